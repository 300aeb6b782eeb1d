/**
 * Rate limits: sliding windows per scope (client, tool, credential, host, global),
 * backends' own quotas, and the failure policy when Redis is unavailable. Decisions, never HTTP
 * and never throws: the MCP layer turns a denial into RATE_LIMITED. Algorithm: README.md here.
 */

/** `createRateLimiter()` builds the limiter over a store; its methods raise nothing. */
export {
  createRateLimiter,
  type Decided,
  type LimitCounters,
  type LimitDecision,
  type RateLimiter,
  type RateLimiterOptions,
} from "./limiter.ts";
/** `createMemoryLimitStore()` keeps limit state in this process (embedded mode); raises nothing. */
export { createMemoryLimitStore } from "./memory_store.ts";
/** The calls the limiter admits and checks, and the limits they are subject to; types only. */
export type { AdmittedCall, LimitedCall, LimitSpec } from "./rates.ts";
/** The sliding window's sub-window count (the Lua script and its embedded twin share it). */
export { SUB_WINDOWS } from "./sliding_window.ts";
/** `readUpstreamQuota()` reads a backend's quota headers; raises nothing. */
export { readUpstreamQuota } from "./upstream_headers.ts";
