/**
 * The HTTP surface: Hono app with the MCP endpoint, health probes and the demo API.
 */

export { type AppDeps, type AppEnv, createApp } from "./app.ts";
export { type GuardOptions, isLoopbackAddress } from "./guard.ts";
/** `createHttpAuth()`: bearer header → caller, or 401 with `WWW-Authenticate`; raises nothing. */
export { createHttpAuth, type HttpAuth, type HttpAuthOptions, METADATA_PATH } from "./auth.ts";
/** `createAdminApp()`: the `/admin` sub-app with admin authentication; raises nothing. */
export { adminActor, type AdminDeps, type AdminEnv, createAdminApp } from "./admin.ts";
/** `/admin/audit` routes (query, stats); raise nothing, bad queries answer 400. */
export { createAdminAuditRoutes } from "./admin_audit.ts";
/** `/admin/clients` routes (list, issue, revoke keys); raise nothing. */
export { createAdminClientRoutes, describeKey } from "./admin_clients.ts";
/** `/admin/credentials` routes (list, show, set, rotate, test, delete); raise nothing. */
export { createAdminCredentialRoutes } from "./admin_credentials.ts";
