/**
 * The Hono application: the MCP endpoint, health probes, the demo API, the RFC 9728 documents,
 * and the `/admin` and `/metrics` sub-apps the composition root builds. The only place in the
 * gateway where HTTP responses are built (the SDK builds those of the MCP exchange itself).
 *
 * One guard for every route that acts: `/mcp`, `/mcp/{name}`, `/admin/*`, `/metrics` and `/console` pass the
 * same Origin and Host checks before anything runs; `/.well-known/*` passes the Host check and is
 * readable from any origin (CORS), since its documents are public.
 */

import { Hono } from "hono";
import { cors } from "hono/cors";
import { anonymousPrincipal, type Caller, callerOf, DEFAULT_SERVER } from "../auth/mod.ts";
import { createDemoApi } from "../demo/mod.ts";
import { GatewayError } from "../errors.ts";
import { type Logger, runWithRequestContext } from "../log.ts";
import type { McpService } from "../mcp/mod.ts";
import { VERSION } from "../version.ts";
import { API_BODY_DEADLINE_MS, API_MAX_BODY_BYTES, readJsonObject } from "./body.ts";
import { requestContextFor } from "./trace.ts";
import { createHostGuard, createRequestGuard, type GuardOptions } from "./guard.ts";
import { apiErrorResponse, apiNotFound } from "./responses.ts";
import { serveMcp } from "./mcp_route.ts";
import type { AdminApp } from "./admin.ts";
import { admissionClientKey, type InstanceAdmission } from "./admission.ts";
import { type HttpAuth, METADATA_PATH, notFound } from "./auth.ts";

/** What the HTTP app is built from. */
export interface AppDeps {
  /**
   * The trace id of the span serving the request (Deno's HTTP server span when OpenTelemetry
   * traces), so log lines and spans share it; absent (tracing off): a new id per untraced request.
   */
  traceIdOf?: () => string | undefined;
  /** The MCP endpoint behind `/mcp` and `/mcp/{name}`, after the guard and authentication. */
  mcp: McpService;
  /** Where refused requests (warn) and unhandled errors (error, with a request id) are logged. */
  logger: Logger;
  /** The Origin and Host allowlists every route is checked against before anything runs. */
  guard: GuardOptions;
  /** Largest `/mcp` POST body read, in bytes (config `maxBodyBytes`); larger answers 413. */
  maxBodyBytes: number;
  /** A POST body must arrive within this time (absent: no bound). */
  bodyTimeoutMs?: number;
  /** Whether the `/demo` API (the sample backend the bundled tools call) is served. */
  demoApi: boolean;
  /**
   * Readiness: the registry is loaded, every configured store answers and the gateway is not
   * closing. `/readyz` answers 200 or 503 with the checks as its detail; a bare boolean has none.
   */
  ready: () => boolean | Readiness | Promise<Readiness>;
  /**
   * Whether the gateway serves anonymous callers on a non-loopback address right now; `/readyz`
   * says so (`anonymousExposed`). Absent: never.
   */
  anonymousExposed?: () => Promise<boolean>;
  /** Client authentication and virtual servers; absent: every `/mcp` caller is anonymous. */
  auth?: HttpAuth;
  /** The `/admin` sub-app, which authenticates administrators itself. */
  admin?: AdminApp;
  /** The `/metrics` sub-app (`createMetricsApp`), which authenticates administrators itself. */
  metrics?: HttpApp;
  /** The `/console` sub-app (`createConsoleApp`): the admin console's page and sign-in. */
  console?: HttpApp;
  /**
   * Admission control of MCP POSTs (`createInstanceAdmission`); `/readyz` reports its counts as
   * `load`. Absent: no bound.
   */
  admission?: InstanceAdmission;
}

/** What `/readyz` reports. */
export interface Readiness {
  /** Whether every check passed. */
  ready: boolean;
  /** Each check by name (`store`, `redis`, `registry`, `gateway`): `"ok"`, or what is wrong. */
  checks: Readonly<Record<string, string>>;
  /**
   * Tools left out until configured, by tool file: why (`6 tools disabled (…): credential "jira"
   * is not set`). Information only: a disabled integration does not make the gateway unready.
   */
  disabled?: Readonly<Record<string, string>>;
}

/** Per-connection facts the server passes to `app.fetch(request, env)`. */
export interface AppEnv {
  /** The peer address of the connection; absent when the server passes none (tests). */
  remoteAddr?: Deno.Addr;
}

// Why `@ignore` on `HttpApp`: `deno doc --lint` (Deno 2.9) reports every npm type a public type
// names as a private-type-ref (denoland/deno#27364), and what `createApp` and `createMetricsApp` return is a Hono app, so
// it must name hono's `Hono`. `@ignore` keeps the alias out of the generated docs and the lint
// without changing a type; drop it once Deno ships the fix.

/**
 * A Hono app whose routes see the per-connection facts (`AppEnv`) as bindings.
 * @ignore
 */
export type HttpApp = Hono<{ Bindings: AppEnv }>;

type Check = (request: Request) => GatewayError | undefined;

/** The `/demo` body reader: the same cap and deadline as `/admin`. */
function readApiBody(request: Request): Promise<Record<string, unknown>> {
  return readJsonObject(request, API_MAX_BODY_BYTES, { deadlineMs: API_BODY_DEADLINE_MS });
}

/** Builds the HTTP app; raises nothing, every failure is answered on the wire. */
export function createApp(deps: AppDeps): HttpApp {
  const app = new Hono<{ Bindings: AppEnv }>();
  const checkRequest = createRequestGuard(deps.guard);
  const checkHost = createHostGuard(deps.guard);
  // Why first: every line logged while the request is served carries its request and trace ids.
  app.use(
    "*",
    (c, next) => runWithRequestContext(requestContextFor(c.req.raw, deps.traceIdOf), next),
  );
  app.use("*", async (c, next) => {
    const check = checkFor(c.req.path, { checkRequest, checkHost });
    const forbidden = check?.(c.req.raw);
    if (forbidden === undefined) return await next();
    deps.logger.warn("Rejected request", { path: c.req.path, reason: forbidden.message });
    return apiErrorResponse(forbidden);
  });
  app.get("/healthz", (c) => c.json({ status: "ok", version: VERSION }));
  app.get("/readyz", async (c) => {
    const { ready, checks, disabled } = withLoad(await deps.ready(), deps.admission);
    const exposed = await deps.anonymousExposed?.() ?? false;
    return c.json({
      status: ready ? "ready" : "unready",
      ...(checks === undefined ? {} : { checks }),
      ...(disabled === undefined ? {} : { disabled }),
      anonymousExposed: exposed,
      ...(deps.admission === undefined ? {} : { load: deps.admission.snapshot() }),
      ...(exposed ? { warning: "Serving anonymous callers on a non-loopback address" } : {}),
    }, ready ? 200 : 503);
  });
  /** `failed`: answers what serving raised (absent: raised). */
  const serveMcpAt = (
    request: Request,
    env: AppEnv | undefined,
    server: string,
    failed?: (error: unknown) => Response,
  ): Promise<Response> => {
    // Why here: admission comes before authentication and before the body is read, the cheapest
    // point at which a shed request has cost nothing; only POSTs carry calls.
    if (deps.admission === undefined || request.method !== "POST") {
      const served = serveAdmitted(request, env, server);
      return failed === undefined ? served : served.catch(failed);
    }
    const client = admissionClientKey(request, addressOf(env?.remoteAddr));
    // Why `failed` handed to admission: its own failure handler answers, no catch layer more.
    return deps.admission.run(() => serveAdmitted(request, env, server), {
      // Why the request and not its signal: admission reads it only if the call must wait.
      signal: request,
      client,
      ...(failed === undefined ? {} : { failed }),
    });
  };
  const serveAdmitted = (request: Request, env: AppEnv | undefined, server: string) => {
    const address = addressOf(env?.remoteAddr);
    const resolveCaller = deps.auth === undefined
      ? () => Promise.resolve(anonymousAt(address, server))
      : () => deps.auth!.mcpCaller(request, address, server);
    return serveMcp(request, resolveCaller, { deps, checkRequest });
  };
  app.all("/mcp", (c) => serveMcpAt(c.req.raw, c.env, DEFAULT_SERVER));
  app.all("/mcp/:server", (c) => serveMcpAt(c.req.raw, c.env, c.req.param("server")));
  if (deps.auth !== undefined) app.route(METADATA_PATH, createMetadataApp(deps.auth));
  if (deps.admin !== undefined) app.route("/admin", deps.admin);
  if (deps.metrics !== undefined) app.route("/metrics", deps.metrics);
  if (deps.console !== undefined) {
    const consoleApp = deps.console;
    app.get("/console/", (c) => c.redirect("/console", 308));
    app.route("/console", consoleApp);
  }
  if (deps.demoApi) app.route("/demo", createDemoApi({ readBody: readApiBody }));
  // Why here: Hono answers unmatched paths with the root app's handler, sub-apps' are not asked.
  app.notFound((c) =>
    checkFor(c.req.path, { checkRequest, checkHost }) === undefined
      ? c.json({ error: "Not found" }, 404)
      : apiNotFound()
  );
  app.onError((error, c) => unhandledError(error, c.req.path, deps.logger));
  const routed = app.fetch;
  const answerUnhandled = (error: unknown) => unhandledError(error, "/mcp", deps.logger);
  // Why a bypass for `POST /mcp`: every call is one, and Hono's per-request `Context` (a dozen
  // bound methods), its router match and three composed middleware frames are live for the whole
  // call (heap snapshot: ~3 KB of each in-flight call). The route's own middleware runs here as
  // it would there: the request context, no path check (`checkFor`), the same 500 answer.
  app.fetch = (request, env, executionCtx) => {
    if (request.method !== "POST" || pathOf(request.url) !== "/mcp") {
      return routed(request, env, executionCtx);
    }
    const context = requestContextFor(request, deps.traceIdOf);
    return runWithRequestContext(
      context,
      () => serveMcpAt(request, env as AppEnv | undefined, DEFAULT_SERVER, answerUnhandled),
    );
  };
  return app;
}

/** The answer to an error no handler answered: logged with a new request id, HTTP 500. */
function unhandledError(error: unknown, path: string, logger: Logger): Response {
  // Why rethrown: Hono hands only `Error`s to its error handler; anything else escapes as before.
  if (!(error instanceof Error)) throw error;
  const requestId = crypto.randomUUID();
  logger.error("Unhandled HTTP error", { requestId, path, error });
  return Response.json({ error: `Internal error: see gateway log for request ${requestId}` }, {
    status: 500,
  });
}

/** The path of an absolute request URL without its query, undecoded (what Hono routes on). */
function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf(":") + 3);
  if (start < 0) return "/";
  const query = url.indexOf("?", start);
  return url.slice(start, query < 0 ? undefined : query);
}

/**
 * The check a path gets before routing: Origin and Host for the admin plane, Host only for the
 * public well-known documents. `/mcp` runs the Origin and Host check itself, to answer in
 * JSON-RPC.
 */
function checkFor(
  path: string,
  checks: { checkRequest: Check; checkHost: Check },
): Check | undefined {
  if (["/admin", "/metrics", "/console"].some((prefix) => underPrefix(path, prefix))) {
    return checks.checkRequest;
  }
  if (underPrefix(path, "/.well-known")) return checks.checkHost;
  return undefined;
}

function underPrefix(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}

/**
 * `/.well-known/oauth-protected-resource` (the `/mcp` document, also at `…/mcp`) and
 * `…/mcp/{name}` per virtual server, readable from any origin: browser-based MCP clients fetch
 * them before they hold a token.
 */
function createMetadataApp(auth: HttpAuth): Hono<{ Bindings: AppEnv }> {
  const wellKnown = new Hono<{ Bindings: AppEnv }>();
  // Why "*" and no credentials: the documents are public and carry nothing per caller.
  wellKnown.use("*", cors({ origin: "*", allowMethods: ["GET", "HEAD", "OPTIONS"], maxAge: 600 }));
  wellKnown.get("/", (c) => auth.metadata(c.req.raw, DEFAULT_SERVER));
  wellKnown.get("/mcp", (c) => auth.metadata(c.req.raw, DEFAULT_SERVER));
  wellKnown.get("/mcp/:server", (c) => auth.metadata(c.req.raw, c.req.param("server")));
  return wellKnown;
}

/**
 * The readiness report, unready with a `load` check while the instance sheds calls, so a
 * balancer moves traffic to the other instances until it has room again.
 */
function withLoad(
  report: boolean | Readiness,
  admission: InstanceAdmission | undefined,
): { ready: boolean; checks?: Readonly<Record<string, string>>; disabled?: Readiness["disabled"] } {
  const base: Readiness = typeof report === "boolean" ? { ready: report, checks: {} } : report;
  // Why only while shedding: the usual report keeps its checks; `load` appears when it matters.
  if (admission === undefined || !admission.shedding()) {
    return typeof report === "boolean" ? { ready: report } : report;
  }
  return { ...base, ready: false, checks: { ...base.checks, load: "shedding load" } };
}

function addressOf(addr: Deno.Addr | undefined): string | undefined {
  return addr !== undefined && "hostname" in addr ? addr.hostname : undefined;
}

/** Without authentication every caller is anonymous, and only `/mcp` exists. */
function anonymousAt(address: string | undefined, server: string): Caller | Response {
  if (server !== DEFAULT_SERVER) return notFound();
  return callerOf(anonymousPrincipal(address), server);
}
