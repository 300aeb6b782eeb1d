/**
 * `/admin/upstreams`: the upstream MCP servers as `nexus upstreams list` shows them, and the pins
 * against tool poisoning as `nexus upstreams diff` / `approve` handle them:
 *
 * - `GET /` → `{ upstreams: [...] }`
 * - `GET /:name/diff` → `{ tools: [{ tool, status, hiddenUnicode, hidden, changes, diff }] }`
 * - `POST /:name/approve` `{ tool? }` → `{ approved: [names] }` (the administrator is recorded as
 *   the approver, and the upstream is listed again so approved tools are served at once, by every
 *   instance sharing Redis)
 */

import { Hono } from "hono";
import { GatewayError } from "../errors.ts";
import { adminActor, type AdminApp, type AdminEnv, readAdminBody } from "./admin.ts";

/** One upstream as the console lists it. */
export interface AdminUpstreamView {
  /** The upstream's name (`upstreams[].name`). */
  name: string;
  /** How the gateway reaches it. */
  transport: "http" | "stdio";
  /** `idle`, `running` or `failed`. */
  state: string;
  /** The protocol revision negotiated, while connected. */
  protocolVersion?: string;
  /** Tools federated from it now (after allow/deny and pinning). */
  tools: number;
  /** Prompts federated from it. */
  prompts: number;
  /** Resources and resource templates federated from it. */
  resources: number;
  /** The last connect or transport failure, secrets redacted. */
  lastError?: string;
  /** Its circuit breaker: `closed`, `open` or `half-open`. */
  circuit: string;
  /** How many times a lost connection was re-established. */
  restarts: number;
  /** Tools withheld until approved (new, or changed since approval). */
  pendingApprovals: number;
  /** When it is contacted: at start (`boot`) or at first use (`lazy`). */
  start: "lazy" | "boot";
  /** The MCP endpoint of an HTTP upstream. */
  url?: string;
  /** A `perClient` upstream's children running now, one per caller. */
  children?: number;
}

/** One upstream tool against its pin. */
export interface AdminPinView {
  /** The tool's upstream name. */
  tool: string;
  /** `approved`: matches its pin; `new`: never approved; `changed`: differs from its pin. */
  status: "changed" | "new" | "approved";
  /** Whether its definition holds hidden Unicode. */
  hiddenUnicode: boolean;
  /** Hidden characters per field, as `description: U+200B`. */
  hidden: string[];
  /** Field by field, `field: - old` / `field: + new` (what `nexus upstreams diff` prints). */
  changes: string[];
  /** The pinned definition (null when never approved) and the one listed now. */
  diff: { before: unknown; after: unknown };
}

/** What the upstream routes are built on (the composition root implements it). */
export interface AdminUpstreamsDeps {
  /** Every upstream, in entry order. */
  list(): Promise<AdminUpstreamView[]>;
  /** @throws GatewayError NOT_FOUND (unknown upstream), UPSTREAM_UNAVAILABLE (not listed). */
  /** The pinned definition (null when never approved) and the one listed now. */
  diff(name: string): Promise<AdminPinView[]>;
  /** @throws GatewayError NOT_FOUND (unknown upstream or tool), UPSTREAM_UNAVAILABLE. */
  /** Pins what the upstream lists now (every tool, or `tool`); returns the tools approved. */
  approve(name: string, options: { tool?: string; by: string }): Promise<string[]>;
}

/** Builds the upstream routes. Raises nothing; failures answer in the admin shape. */
export function createAdminUpstreamRoutes(deps: AdminUpstreamsDeps): AdminApp {
  const app = new Hono<AdminEnv>();
  app.get("/", async (c) => c.json({ upstreams: await deps.list() }));
  app.get("/:name/diff", async (c) => c.json({ tools: await deps.diff(c.req.param("name")) }));
  app.post("/:name/approve", async (c) => {
    const body = await readAdminBody(c);
    if (body.tool !== undefined && (typeof body.tool !== "string" || body.tool === "")) {
      throw new GatewayError("INVALID_INPUT", `Invalid request: "tool" must be a tool name`);
    }
    const approved = await deps.approve(c.req.param("name"), {
      ...(typeof body.tool === "string" ? { tool: body.tool } : {}),
      by: `admin:${adminActor(c)}`,
    });
    return c.json({ approved });
  });
  return app;
}
