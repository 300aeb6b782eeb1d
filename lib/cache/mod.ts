/**
 * The response cache: opt-in per read-only tool, keyed by tool, canonical arguments and credential
 * scope, with single flight across instances (Redis) or in-process (embedded mode). Store faults
 * bypass it. Protocol: README.md here.
 */

/**
 * `cacheKeyOf()` digests a call's cache key (arguments in canonical JSON); `plainCacheKey()` is an
 * in-process store's key (the text itself when short). Both raise nothing.
 */
export {
  cacheKeyOf,
  cacheKeyOfCanonical,
  type CacheKeyParts,
  MAX_PLAIN_KEY_CHARS,
  plainCacheKey,
} from "./cache_key.ts";
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
