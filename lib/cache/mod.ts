/**
 * The response cache: opt-in per read-only tool, keyed by tool, canonical arguments and credential
 * scope, with single flight across instances (Redis) or in-process (embedded mode). Store faults
 * bypass it. Protocol: README.md here.
 */

/** `cacheKeyOf()` digests a call's cache key (arguments in canonical JSON); raises nothing. */
export { cacheKeyOf, cacheKeyOfCanonical, type CacheKeyParts } from "./cache_key.ts";
/** `createMemoryCacheStore()` keeps cache state in this process (embedded mode); raises nothing. */
export { createMemoryCacheStore } from "./memory_store.ts";
/** A call's outcome as the cache stores and publishes it; type only. */
export type { Outcome } from "./payload.ts";
/**
 * `createResponseCache()` builds the cache over a store; `serve` raises the call's own error,
 * UPSTREAM_TIMEOUT (a flight outlasted the tool's timeout) or CANCELLED.
 */
export {
  type CacheCounters,
  type CacheRequest,
  type CacheSource,
  createResponseCache,
  type ResponseCache,
  type ResponseCacheOptions,
} from "./response_cache.ts";
