/**
 * The durable audit log: one record per finished `tools/call`, buffered and written in batches to
 * the store, with retention and queries for the CLI and the admin API.
 */

/** `createAuditLog()` starts the batched writer; raises nothing (store faults are logged). */
export {
  type AuditLog,
  type AuditLogOptions,
  type AuditStats,
  createAuditLog,
} from "./audit_log.ts";
/** What a finished call reports to the audit log, and the keyed hash of its arguments; types only. */
export type { ArgsHasher, FinishedCall } from "./entry.ts";
/** `parseSince()` reads `15m` / `7d` / a date as epoch ms; raises INVALID_INPUT. */
export { parseSince } from "./since.ts";
/** `adminRow()` builds the audit row of one admin API write (kind `admin`); raises nothing. */
export { ADMIN_SERVER, type AdminAction, adminRow } from "./admin_entry.ts";
