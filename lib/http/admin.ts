/**
 * The `/admin` sub-app: its own authentication (admin API keys, or a JWT carrying the admin group;
 * MCP client keys are refused; never anonymous), `Content-Type: application/json` on every write
 * that carries a body, one error shape (`responses.ts`), then the route sub-apps each concern
 * provides (`/audit`, `/clients`, `/credentials`, …), mounted by the composition root. The Origin
 * and Host checks run before this app, in `app.ts`, as for `/mcp`.
 */

import { Hono } from "hono";
import type { Context } from "hono";
import { type AdminAction, adminRow } from "../audit/mod.ts";
import type { Principal } from "../auth/mod.ts";
import type { AuditRow } from "../store/mod.ts";
import { GatewayError, isGatewayError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { AppEnv } from "./app.ts";
import type { HttpAuth } from "./auth.ts";
import { API_BODY_DEADLINE_MS, API_MAX_BODY_BYTES, readJsonObject } from "./body.ts";
import { apiErrorHandler, apiErrorResponse } from "./responses.ts";

/** Hono environment of admin routes: `c.get("admin")` is the authenticated administrator. */
export type AdminEnv = {
  Bindings: AppEnv;
  Variables: { admin: Principal; auditTarget?: string };
};

// Why `@ignore` on `AdminApp`: `deno doc --lint` (Deno 2.9) reports every npm type a public type
// names as a private-type-ref (denoland/deno#27364), and the admin app and every route sub-app it mounts is a Hono app, so
// it must name hono's `Hono`. `@ignore` keeps the alias out of the generated docs and the lint
// without changing a type; drop it once Deno ships the fix.

/**
 * A Hono app of admin routes: each handler sees the authenticated administrator (`AdminEnv`).
 * @ignore
 */
export type AdminApp = Hono<AdminEnv>;

/** What the admin app is built from. */
export interface AdminDeps {
  /** The authentication that resolves an administrator (admin API key or admin-group JWT). */
  auth: HttpAuth;
  /** Where unhandled route errors are logged, with the request id the answer names. */
  logger: Logger;
  /** Route sub-apps by mount path (`/audit`), each seeing an authenticated administrator. */
  routes: Readonly<Record<string, AdminApp>>;
  /** Receives the audit row of every write (`adminRow`); absent: writes are only logged. */
  audit?: (row: AuditRow) => void;
}

const WRITES = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** Builds the admin app; raises nothing, refusals and failures are answered on the wire. */
export function createAdminApp(deps: AdminDeps): AdminApp {
  const app = new Hono<AdminEnv>();
  app.use("*", async (c, next) => {
    const admin = await authenticateAdmin(deps.auth, c.req.raw, c.env);
    if (admin instanceof Response) return admin;
    const unsupported = checkWriteType(c.req.raw);
    if (unsupported) return apiErrorResponse(unsupported);
    c.set("admin", admin);
    if (!WRITES.has(c.req.method) || deps.audit === undefined) return await next();
    const at = Date.now();
    const started = performance.now();
    await next();
    deps.audit(adminRow(describeAction(c, { at, durationMs: performance.now() - started })));
  });
  for (const [path, routes] of Object.entries(deps.routes)) app.route(path, routes);
  app.onError(apiErrorHandler(deps.logger, "Admin request"));
  return app;
}

/**
 * The administrator behind a request (admin key, or JWT with the admin group; never anonymous),
 * or the admin-shaped response refusing it. Shared by `/admin` and `/metrics`. Raises nothing.
 */
export function authenticateAdmin(
  auth: HttpAuth,
  request: Request,
  env: AppEnv | undefined,
): Promise<Principal | Response> {
  const addr = env?.remoteAddr;
  const address = addr !== undefined && "hostname" in addr ? addr.hostname : undefined;
  return auth.adminPrincipal(request, address);
}

/** The administrator's identity for logs and audit trails (`key:ab12…` / `jwt:iss#sub`). */
export function adminActor(c: { get(key: "admin"): Principal }): string {
  const admin = c.get("admin");
  return `${admin.name} (${admin.id})`;
}

/**
 * Reads an admin request's JSON object body through the shared capped reader.
 * @throws GatewayError PAYLOAD_TOO_LARGE, PARSE_ERROR, INVALID_INPUT (answered by the admin app).
 */
export function readAdminBody(c: Context<AdminEnv>): Promise<Record<string, unknown>> {
  return readJsonObject(c.req.raw, API_MAX_BODY_BYTES, { deadlineMs: API_BODY_DEADLINE_MS });
}

/**
 * The admin action a write was: `<area>.<verb>` from the path under `/admin` (`POST
 * /credentials/x/rotate` is `credentials.rotate` on `x`; a bare `POST` creates, `PUT` sets,
 * `DELETE` deletes, and revokes for clients). A handler names a target the path does not carry
 * with `c.set("auditTarget", name)`.
 */
function describeAction(
  c: Context<AdminEnv>,
  timing: { at: number; durationMs: number },
): AdminAction {
  const path = c.req.path.replace(/^\/admin(?=\/|$)/, "");
  const [area = "", name, verb] = path.split("/").filter((part) => part !== "");
  const fallback = c.req.method === "POST"
    ? "create"
    : c.req.method === "PUT"
    ? "set"
    : area === "clients" && c.req.method === "DELETE"
    ? "revoke"
    : c.req.method.toLowerCase();
  const target = c.get("auditTarget") ?? (name === undefined ? undefined : safeDecode(name));
  const error = c.error;
  return {
    requestId: crypto.randomUUID(),
    admin: c.get("admin"),
    action: `${area}.${verb ?? fallback}`,
    ...(target === undefined ? {} : { target }),
    status: c.res.status,
    ...(isGatewayError(error) ? { errorCode: error.code } : {}),
    ...timing,
  };
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/**
 * `UNSUPPORTED_MEDIA_TYPE` for a write whose body is not declared `application/json`.
 * Why: a web page can send `text/plain` (or a form) cross-site without a CORS preflight; JSON
 * cannot be, so refusing every other type closes the simple-request path to the admin API.
 */
function checkWriteType(request: Request): GatewayError | undefined {
  if (!WRITES.has(request.method) || !hasBody(request)) return undefined;
  const type = request.headers.get("content-type") ?? "";
  if (/^application\/json\s*(;|$)/i.test(type)) return undefined;
  return new GatewayError(
    "UNSUPPORTED_MEDIA_TYPE",
    "Unsupported media type: send Content-Type: application/json",
  );
}

/**
 * Whether a write carries a body. A declared length (or chunked transfer) decides; without either,
 * POST, PUT and PATCH count as carrying one and DELETE as not.
 * Why: a server sees an empty body stream even for a request sent without one, and a request
 * built in process carries no length header at all, so neither alone can tell.
 */
function hasBody(request: Request): boolean {
  if (request.headers.has("transfer-encoding")) return true;
  const length = request.headers.get("content-length");
  if (length !== null) return Number(length) > 0;
  return request.method !== "DELETE";
}
