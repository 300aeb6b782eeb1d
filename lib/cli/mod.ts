/**
 * The CLI's commands; `main.ts` parses arguments and dispatches here.
 */

/** `nexus check` (exit 1 on any tool problem) and `nexus health`; raise nothing. */
export { checkTools, probeHealth } from "./check.ts";
/** Output helpers for commands; raise nothing. */
export { messageOf, writeErr, writeOut } from "./io.ts";
/** `nexus serve`; raises nothing, returns an exit code. */
export { serveHttp } from "./serve.ts";
/** `nexus clients create|revoke|list`; raises nothing, returns an exit code. */
export { runClients } from "./clients.ts";
/** `nexus audit query|tail`; raises nothing, returns an exit code. */
export { runAudit } from "./audit.ts";
/** `nexus stdio`; raises nothing, returns an exit code when start fails. */
export { serveStdio } from "./stdio.ts";
/** `nexus credentials …`, `nexus keys …`, `nexus migrate`; raise nothing, return exit codes. */
export { runCredentials } from "./credentials.ts";
export { runKeys } from "./keys.ts";
export { runMigrate } from "./migrate.ts";
/** `nexus upstreams list|diff|approve` (connects to upstreams); raises nothing, returns an exit code. */
export { runUpstreams } from "./upstreams.ts";
/** `nexus tools list|new|test`; raises nothing, returns an exit code. */
export { runTools } from "./tools.ts";
/** `nexus import openapi SPEC`: YAML tools from an OpenAPI description; returns an exit code. */
export { runImport } from "./import.ts";
/** `nexus permissions`: the Deno permission flags for a config; raises nothing. */
export {
  permissionFlags,
  type PermissionOptions,
  readToolFileUpstreams,
  runPermissions,
  sourceReads,
} from "./permissions.ts";
/**
 * The one permission renderer (`nexus permissions`, `deno task start`, `deno task compile`);
 * `renderPermissions()` raises an Error for a command or variable name that would widen a grant.
 */
export {
  CHILD_ENV,
  GATEWAY_ENV,
  LIBRARY_ENV,
  type PermissionGrant,
  renderPermissions,
} from "./permission_set.ts";
