/**
 * The Hono application: the MCP endpoint, health probes, the demo API, and the `/admin` and
 * `/metrics` sub-apps the composition root builds. The only place in the gateway where HTTP
 * responses are built (the SDK builds those of the MCP exchange itself).
 */

import { Hono } from "hono";
import { anonymousPrincipal, type Caller, DEFAULT_SERVER } from "../auth/mod.ts";
import { GatewayError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { McpService } from "../mcp/mod.ts";
import { VERSION } from "../version.ts";
import { readJsonRpcBody } from "./body.ts";
import { createDemoApi } from "./demo.ts";
import { createRequestGuard, type GuardOptions } from "./guard.ts";
import { edgeErrorResponse } from "./responses.ts";
import type { AdminEnv } from "./admin.ts";
import { type HttpAuth, METADATA_PATH, notFound } from "./auth.ts";

/** What the HTTP app is built from. */
export interface AppDeps {
  mcp: McpService;
  logger: Logger;
  guard: GuardOptions;
  maxBodyBytes: number;
  /** A POST body must arrive within this time (absent: no bound). */
  bodyTimeoutMs?: number;
  demoApi: boolean;
  /** Readiness: the registry is loaded and every configured store answers. */
  ready: () => boolean;
  /** Client authentication and virtual servers; absent: every `/mcp` caller is anonymous. */
  auth?: HttpAuth;
  /** The `/admin` sub-app, which authenticates administrators itself. */
  admin?: Hono<AdminEnv>;
  /** The `/metrics` sub-app (`createMetricsApp`), which authenticates administrators itself. */
  metrics?: Hono<{ Bindings: AppEnv }>;
}

/** Per-connection facts the server passes to `app.fetch(request, env)`. */
export interface AppEnv {
  remoteAddr?: Deno.Addr;
}

/** Builds the HTTP app; raises nothing, every failure is answered on the wire. */
export function createApp(deps: AppDeps): Hono<{ Bindings: AppEnv }> {
  const app = new Hono<{ Bindings: AppEnv }>();
  const checkRequest = createRequestGuard(deps.guard);
  app.get("/healthz", (c) => c.json({ status: "ok", version: VERSION }));
  app.get("/readyz", (c) => {
    const ready = deps.ready();
    return c.json({ status: ready ? "ready" : "starting" }, ready ? 200 : 503);
  });
  const serveMcpAt = (request: Request, env: AppEnv | undefined, server: string) => {
    const address = addressOf(env?.remoteAddr);
    const resolveCaller = deps.auth === undefined
      ? () => Promise.resolve(anonymousAt(address, server))
      : () => deps.auth!.mcpCaller(request, address, server);
    return serveMcp(request, resolveCaller, { deps, checkRequest });
  };
  app.all("/mcp", (c) => serveMcpAt(c.req.raw, c.env, DEFAULT_SERVER));
  app.all("/mcp/:server", (c) => serveMcpAt(c.req.raw, c.env, c.req.param("server")));
  if (deps.auth !== undefined) {
    const auth = deps.auth;
    app.get(METADATA_PATH, (c) => auth.metadata(c.req.raw, ""));
    app.get(
      `${METADATA_PATH}/*`,
      (c) => auth.metadata(c.req.raw, c.req.path.slice(METADATA_PATH.length)),
    );
  }
  if (deps.admin !== undefined) app.route("/admin", deps.admin);
  if (deps.metrics !== undefined) app.route("/metrics", deps.metrics);
  if (deps.demoApi) app.route("/demo", createDemoApi());
  app.notFound((c) => c.json({ error: "Not found" }, 404));
  app.onError((error, c) => {
    const requestId = crypto.randomUUID();
    deps.logger.error("Unhandled HTTP error", { requestId, path: c.req.path, error });
    return c.json({ error: `Internal error: see gateway log for request ${requestId}` }, 500);
  });
  return app;
}

function addressOf(addr: Deno.Addr | undefined): string | undefined {
  return addr !== undefined && "hostname" in addr ? addr.hostname : undefined;
}

/** Without authentication every caller is anonymous, and only `/mcp` exists. */
function anonymousAt(address: string | undefined, server: string): Caller | Response {
  if (server !== DEFAULT_SERVER) return notFound();
  return { principal: anonymousPrincipal(address), server };
}

async function serveMcp(
  request: Request,
  resolveCaller: () => Promise<Caller | Response>,
  { deps, checkRequest }: {
    deps: AppDeps;
    checkRequest: (request: Request) => GatewayError | undefined;
  },
): Promise<Response> {
  const forbidden = checkRequest(request);
  if (forbidden) {
    deps.logger.warn("Rejected MCP request", { reason: forbidden.message });
    return edgeErrorResponse(forbidden);
  }
  const caller = await resolveCaller();
  if (caller instanceof Response) return caller;
  if (request.method !== "POST") {
    return deps.mcp.fetch(request, { caller, reauthorize: resolveCaller }).catch(answerEdgeError);
  }
  const contentType = request.headers.get("content-type") ?? "";
  if (!/^application\/json\b/i.test(contentType)) {
    return edgeErrorResponse(
      new GatewayError(
        "INVALID_REQUEST",
        "Unsupported media type: send Content-Type: application/json",
      ),
      null,
      415,
    );
  }
  try {
    const body = await readJsonRpcBody(request, deps.maxBodyBytes, {
      deadlineMs: deps.bodyTimeoutMs,
    });
    return await deps.mcp.fetch(request, { caller, parsedBody: body, reauthorize: resolveCaller });
  } catch (error) {
    return answerEdgeError(error);
  }
}

/** A `GatewayError` as its edge response; anything else is rethrown (HTTP 500). */
function answerEdgeError(error: unknown): Response {
  if (error instanceof GatewayError) return edgeErrorResponse(error);
  throw error;
}
