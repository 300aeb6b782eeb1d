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
  type CallStage,
  createAdmission,
  createCacheStages,
  createLimitStage,
  createUpstreamStage,
  type LimitStageOptions,
  type PipelineHooks,
} from "../mcp/mod.ts";
import { createRedisCacheStore, createRedisLimitStore, openRedis } from "../store/mod.ts";

/** The limiter, the cache and their stages. */
export interface LimitsAndCache {
  readonly mode: "redis" | "embedded";
  readonly limiter: RateLimiter;
  readonly cache: ResponseCache;
  /**
   * The admission hook: the client's and the gateway's budgets (`rateLimits.perClient`, or the
   * caller's policy override, and `rateLimits.global`), spent before the tool is looked up, so
   * unknown, denied and invalid calls count. Why not inside `stages`: stages run only for a known
   * tool with valid arguments. The cost, on Redis: a call with a budget makes this round trip
   * before the stages' own (a cache hit then costs two instead of one); sending the cache read
   * along with it would mean looking up the tool and reading the arguments of a call that may
   * be refused, the work this check exists to avoid.
   */
  admission(options?: LimitStageOptions): PipelineHooks["admit"];
  /**
   * Stages in pipeline order: cache lookahead, tool limits, cache serve, backend quotas. Keep
   * this order: the lookahead's read leaves with the tool-limit decision (one round trip for
   * both), and the quota stage must sit closest to the backend. `options` carry the callers' own
   * limits (policy overrides); call once per pipeline.
   */
  stages(options?: LimitStageOptions): CallStage[];
  /** Counters since start, for metrics. */
  counters(): { limits: Readonly<LimitCounters>; cache: Readonly<CacheCounters> };
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
  const cacheStages = createCacheStages({ cache });
  logger.info("Rate limits and cache ready", {
    mode: redis ? "redis" : "embedded",
    ...(redis ? { prefix } : {}),
    defaults: config.rateLimits,
  });
  return {
    mode: redis ? "redis" : "embedded",
    limiter,
    cache,
    admission: (options) => createAdmission(limiter, options),
    stages: (options) => [
      cacheStages.lookahead,
      createLimitStage(limiter, options),
      cacheStages.serve,
      createUpstreamStage(limiter),
    ],
    counters: () => ({ limits: limiter.counters(), cache: cache.counters() }),
    close: async () => await redis?.close(),
  };
}
