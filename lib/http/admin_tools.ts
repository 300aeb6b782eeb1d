/**
 * `/admin/tools`: every tool the gateway knows (served, and disabled with the reason) with its
 * source, backend, credential name, schemas and what the policies say about it; and
 * `POST /:name/test` `{ arguments, as? }`, one call through the whole pipeline as
 * `nexus tools test` runs it, answered with the result and the HTTP exchanges it made (the
 * credential's secrets redacted). Without `as` the call is the administrator's own, outside the
 * policies (as the local operator's is); with `as: CLIENT` it runs as that client key, policies
 * and key scopes applied.
 */

import { Hono } from "hono";
import { GatewayError } from "../errors.ts";
import type { TraceEvent } from "../mcp/mod.ts";
import type { Principal } from "../auth/mod.ts";
import { type AdminApp, type AdminEnv, readAdminBody } from "./admin.ts";

/** One tool as the console lists it. */
export interface AdminToolView {
  /** The tool name clients call. */
  name: string;
  /** Human-readable name, when set. */
  title?: string;
  /** What it does, for the model. */
  description: string;
  /** Where it is defined: a tool file and line, or an upstream MCP server. */
  source: { kind: "file"; file: string; line: number } | { kind: "upstream"; upstream: string };
  /** `http`, `ts`, `sql`, `mcp`, … (`-` for a disabled entry the registry could not read). */
  backend: string;
  /** The vault credential its calls use. */
  credential?: string;
  /** MCP hints for clients. */
  annotations?: unknown;
  /** JSON Schema of the arguments. */
  inputSchema?: unknown;
  /** JSON Schema of `structuredContent`, when declared. */
  outputSchema?: unknown;
  /** Why it is not served (a credential not set, a database not configured, …). */
  disabled?: string;
  /** What the policies say: `describeToolAccess` (absent for a disabled entry). */
  policy?: unknown;
}

/** What the tool routes are built on (the composition root implements it). */
export interface AdminToolsDeps {
  /** Served and disabled tools, served first. */
  list(): Promise<AdminToolView[]>;
  /**
   * Runs one call. `as` names a client key to run as.
   * @throws GatewayError NOT_FOUND (unknown tool or client), and the protocol-error codes of a call.
   */
  test(
    name: string,
    args: Record<string, unknown>,
    options: { admin: Principal; as?: string },
  ): Promise<{ result: unknown; trace: TraceEvent[] }>;
}

/** Builds the tool routes. Raises nothing; failures answer in the admin shape. */
export function createAdminToolRoutes(deps: AdminToolsDeps): AdminApp {
  const app = new Hono<AdminEnv>();
  app.get("/", async (c) => c.json({ tools: await deps.list() }));
  app.post("/:name/test", async (c) => {
    const body = await readAdminBody(c);
    const args = body.arguments ?? {};
    if (typeof args !== "object" || args === null || Array.isArray(args)) {
      throw new GatewayError("INVALID_INPUT", `Invalid request: "arguments" must be an object`);
    }
    if (body.as !== undefined && (typeof body.as !== "string" || body.as === "")) {
      throw new GatewayError("INVALID_INPUT", `Invalid request: "as" must be a client name`);
    }
    const outcome = await deps.test(c.req.param("name"), args as Record<string, unknown>, {
      admin: c.get("admin"),
      ...(typeof body.as === "string" ? { as: body.as } : {}),
    });
    return c.json({
      result: outcome.result,
      trace: outcome.trace.map((event) =>
        event.kind === "response" ? event : { ...event, headers: Object.fromEntries(event.headers) }
      ),
    });
  });
  return app;
}
