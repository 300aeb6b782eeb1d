/**
 * Rate limits: sliding windows per scope (client, tool, credential, host, global),
 * backends' own quotas, and the failure policy when Redis is unavailable. Decisions, never HTTP
 * and never throws: the MCP layer turns a denial into RATE_LIMITED. Algorithm: README.md here.
 */

/** `createRateLimiter()` builds the limiter over a store; its methods raise nothing. */
export {
  createRateLimiter,
  FAULT_RETRY_MS,
  type LimitCounters,
  type LimitDecision,
  type RateLimiter,
  type RateLimiterOptions,
} from "./limiter.ts";
/** `createMemoryLimitStore()` keeps limit state in this process (embedded mode); raises nothing. */
export { createMemoryLimitStore } from "./memory_store.ts";
/** Scopes, rates and the limits a call is subject to; raise nothing. */
export {
  ADMISSION_SCOPES,
  admissionLimits,
  type AdmittedCall,
  type AppliedLimit,
  appliedLimits,
  CALLER_SCOPES,
  LIMIT_SCOPES,
  type LimitedCall,
  type LimitScope,
  type LimitSpec,
  parseRate,
  type Rate,
} from "./rates.ts";
/** The embedded twin of the sliding-window script and its sub-window count; raise nothing. */
export { decideWindows, SUB_WINDOWS, type WindowCounter } from "./sliding_window.ts";
/** `readUpstreamQuota()` reads a backend's quota headers, and its bounds; raise nothing. */
export { DEFAULT_BLOCK_MS, MAX_BLOCK_MS, readUpstreamQuota } from "./upstream_headers.ts";
