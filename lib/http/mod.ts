/**
 * The HTTP surface: Hono app with the MCP endpoint, health probes, the demo API, the admin API
 * and Prometheus metrics.
 */

/**
 * `createInstanceAdmission()`: the instance's bound on MCP POSTs in flight, with a short queue and
 * 503 `OVERLOADED` past both; `defaultMaxInflight()` derives the bound from the V8 heap limit;
 * `admissionLimits()` fills the queue's and the per-client share's defaults;
 * `admissionClientKey()` names the client a request counts against. Raise nothing.
 */
export {
  admissionClientKey,
  type AdmissionLimits,
  admissionLimits,
  type AdmissionRun,
  type AdmissionSnapshot,
  createInstanceAdmission,
  DEFAULT_SHED_UNREADY_MS,
  defaultMaxInflight,
  HEAP_PER_CALL_BYTES,
  HEAP_SHARE_FOR_CALLS,
  type InstanceAdmission,
  MIN_DERIVED_INFLIGHT,
} from "./admission.ts";
export { type AppDeps, type AppEnv, createApp, type HttpApp, type Readiness } from "./app.ts";
/**
 * `createTrustedOrigin()`: the origin of a request whose `Host` the allowlist vouches for, else
 * undefined (what the RFC 9728 documents are built from without `resourceUrl`); raises nothing.
 */
export { createTrustedOrigin, type GuardOptions, isLoopbackAddress } from "./guard.ts";
/**
 * `serveBounded()`: the HTTP listener with header, idle keep-alive and send deadlines per
 * connection; raises what `Deno.listen` raises.
 */
export {
  type BoundedServeOptions,
  type BoundedServer,
  type ConnectionBounds,
  serveBounded,
} from "./connections.ts";
/** `createHttpAuth()`: bearer header → caller, or 401 with `WWW-Authenticate`; raises nothing. */
export { createHttpAuth, type HttpAuth, type HttpAuthOptions } from "./auth.ts";
/** `createAdminApp()`: the `/admin` sub-app with admin authentication; raises nothing. */
export { type AdminApp, type AdminDeps, type AdminEnv, createAdminApp } from "./admin.ts";
/**
 * `createMetricsApp()`: `/metrics` (Prometheus text 0.0.4, rendered by `lib/metrics/`) behind the
 * admin authentication; raises nothing.
 */
export { createMetricsApp, type MetricsDeps } from "./metrics.ts";
/** `/admin/audit` routes (query, tail, stats); raise nothing, bad queries answer 400. */
export { type AdminAuditDeps, createAdminAuditRoutes, MAX_AUDIT_PAGE } from "./admin_audit.ts";
/** `/admin/clients` routes (list, issue, revoke keys); raise nothing. */
export { createAdminClientRoutes, describeKey } from "./admin_clients.ts";
/** `/admin/credentials` routes (list, show, set, rotate, test, delete); raise nothing. */
export { createAdminCredentialRoutes } from "./admin_credentials.ts";
/**
 * `createConsoleApp()`: `/console`, the admin console's page, files and sign-in;
 * `withConsoleSessions()`: admin authentication that also accepts its session cookie (with the
 * CSRF header); `withCookieRefresh()`: the `/admin` app re-issuing that cookie as it is used
 * (idle deadline). Raise nothing.
 */
export {
  CONSOLE_COOKIE,
  CONSOLE_HEADERS,
  type ConsoleDeps,
  createConsoleApp,
  CSRF_HEADER,
  withConsoleSessions,
  withCookieRefresh,
} from "./console.ts";
/** The console's OIDC client settings (issuer, client id). */
export type { ConsoleOidc } from "./console_oidc.ts";
/** `createAdminToolRoutes()`: `/admin/tools` list and test; raises nothing (failures answered). */
export { type AdminToolsDeps, type AdminToolView, createAdminToolRoutes } from "./admin_tools.ts";
/** `createAdminUpstreamRoutes()`: `/admin/upstreams` list, diff, approve; raises nothing. */
export {
  type AdminPinView,
  type AdminUpstreamsDeps,
  type AdminUpstreamView,
  createAdminUpstreamRoutes,
} from "./admin_upstreams.ts";
/** `createAdminOverviewRoutes()`: `GET /admin/overview`; raises nothing. */
export { type AdminOverview, createAdminOverviewRoutes } from "./admin_overview.ts";
