/**
 * Rate limits and the response cache for one process: on Redis when `NEXUS_REDIS_URL` is set
 * (shared by every instance with the same `NEXUS_REDIS_PREFIX`), else in this process's memory,
 * with the same semantics either way.
 */

import {
  type CacheCounters,
  createMemoryCacheStore,
  createResponseCache,
  type ResponseCache,
} from "../cache/mod.ts";
import type { Config } from "../config/mod.ts";
import {
  createMemoryLimitStore,
  createRateLimiter,
  type LimitCounters,
  type RateLimiter,
  SUB_WINDOWS,
} from "../limits/mod.ts";
import type { Logger } from "../log.ts";
import {
  createRedisCacheStore,
  createRedisLimitStore,
  openRedis,
  type RedisConnection,
} from "../store/mod.ts";

/** The limiter and the cache; their stages are placed in `pipeline.ts`. */
export interface LimitsAndCache {
  readonly mode: "redis" | "embedded";
  readonly limiter: RateLimiter;
  readonly cache: ResponseCache;
  /** The Redis connection (absent in embedded mode), also carrying change fan-out (`fanout.ts`). */
  readonly redis?: RedisConnection;
  /** The key prefix every Redis key and channel of this gateway starts with. */
  readonly prefix: string;
  /** Counters since start, for metrics. */
  counters(): { limits: Readonly<LimitCounters>; cache: Readonly<CacheCounters> };
  /** Whether Redis answers PING within its timeout; undefined in embedded mode (nothing to ask). */
  ping(): Promise<boolean | undefined>;
  close(): Promise<void>;
}

/** Builds limits and cache from the config; connects to Redis in the background. Raises nothing. */
export function openLimits(config: Config, logger: Logger): LimitsAndCache {
  const redisUrl = config.redisUrl?.reveal();
  const redis = redisUrl === undefined
    ? undefined
    : openRedis(redisUrl, { logger, timeoutMs: config.redisTimeoutMs });
  const prefix = config.redisPrefix;
  const limiter = createRateLimiter({
    store: redis
      ? createRedisLimitStore(redis, { prefix, subWindows: SUB_WINDOWS })
      : createMemoryLimitStore(),
    logger,
    defaults: config.rateLimits,
    failOpen: config.rateLimitFailOpen,
  });
  const cache = createResponseCache({
    store: redis
      ? createRedisCacheStore(redis, { prefix })
      : createMemoryCacheStore({ maxBytes: config.cacheMemoryBytes }),
    logger,
    maxValueBytes: config.cacheValueBytes,
    errorTtlMs: config.cacheErrorTtlMs,
  });
  logger.info("Rate limits and cache ready", {
    mode: redis ? "redis" : "embedded",
    ...(redis ? { prefix } : {}),
    defaults: config.rateLimits,
  });
  return {
    mode: redis ? "redis" : "embedded",
    limiter,
    cache,
    ...(redis ? { redis } : {}),
    prefix,
    counters: () => ({ limits: limiter.counters(), cache: cache.counters() }),
    ping: async () => {
      if (redis === undefined) return undefined;
      try {
        return await redis.command(["PING"]) === "PONG";
      } catch {
        return false;
      }
    },
    close: async () => await redis?.close(),
  };
}
