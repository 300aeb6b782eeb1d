/**
 * The durable audit log: one record per finished `tools/call`, buffered and written in batches to
 * the store, with retention and queries for the CLI and the admin API.
 */

/** `createAuditLog()` starts the batched writer; raises nothing (store faults are logged). */
export {
  aggregateRow,
  type AuditLog,
  type AuditLogOptions,
  type AuditStats,
  createAuditLog,
} from "./audit_log.ts";
/** Sampling of refused calls per client and code (`REFUSED_OUTCOMES`); raises nothing. */
export {
  createRefusalSampler,
  DEFAULT_REFUSED_PER_MINUTE,
  type RefusalSampler,
  REFUSED_OUTCOMES,
  SAMPLE_WINDOW_MS,
  type SuppressedRefusals,
} from "./sampler.ts";
/** `toAuditRow()` builds one record (arguments hashed with a keyed hash, redacted); raises nothing. */
export {
  type ArgsHasher,
  type FinishedCall,
  PROCESS_ARGS_HASH,
  redact,
  toAuditRow,
} from "./entry.ts";
/** `parseSince()` reads `15m` / `7d` / a date as epoch ms; raises INVALID_INPUT. */
export { parseSince } from "./since.ts";
