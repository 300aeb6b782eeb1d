/**
 * The Redis implementation of the cache contract: payloads and flight locks under one hash tag
 * per entry, outcomes announced on a per-entry channel so waiters on every instance wake at once.
 */

import { GatewayError } from "../../errors.ts";
import type { RedisConnection, RedisReply } from "./connection.ts";
import { redisKey } from "./keys.ts";
import { defineScript, runScript } from "./run_script.ts";
import cacheExtendLua from "./cache_extend.lua" with { type: "text" };
import cacheLookupLua from "./cache_lookup.lua" with { type: "text" };
import cacheSettleLua from "./cache_settle.lua" with { type: "text" };
import type { CacheLookup, CacheSettlement, CacheStore } from "./types.ts";

const CACHE_LOOKUP = defineScript("cache_lookup", cacheLookupLua);
const CACHE_SETTLE = defineScript("cache_settle", cacheSettleLua);
const CACHE_EXTEND = defineScript("cache_extend", cacheExtendLua);

/** Cache state in Redis under `prefix`, shared by every instance using it; raises nothing itself. */
export function createRedisCacheStore(
  redis: RedisConnection,
  options: { prefix: string },
): CacheStore {
  const { prefix } = options;
  const keysOf = (id: string) => [
    redisKey(prefix, "cacheValue", id),
    redisKey(prefix, "cacheLock", id),
  ];
  return {
    async peek(id) {
      const reply = await redis.command(["GET", redisKey(prefix, "cacheValue", id)]);
      return typeof reply === "string" ? reply : undefined;
    },
    async lookup(id, token, lockTtlMs) {
      const reply = await runScript(redis, CACHE_LOOKUP, keysOf(id), [token, String(lockTtlMs)]);
      return parseLookup(reply);
    },
    async settle(id: string, token: string, settlement: CacheSettlement) {
      const args = [
        token,
        redisKey(prefix, "cacheChannel", id),
        settlement.message,
        settlement.store?.payload ?? "",
        String(settlement.store?.ttlMs ?? 0),
      ];
      await runScript(redis, CACHE_SETTLE, keysOf(id), args);
    },
    async extend(id, token, lockTtlMs) {
      const key = redisKey(prefix, "cacheLock", id);
      return await runScript(redis, CACHE_EXTEND, [key], [token, String(lockTtlMs)]) === 1;
    },
    subscribe(id, listener) {
      return redis.subscribe(redisKey(prefix, "cacheChannel", id), listener);
    },
  };
}

function parseLookup(reply: RedisReply): CacheLookup {
  if (Array.isArray(reply)) {
    const [kind, value] = reply;
    if (kind === "hit" && typeof value === "string") return { kind: "hit", payload: value };
    if (kind === "lead") return { kind: "lead" };
    if (kind === "wait" && typeof value === "number") return { kind: "wait", lockTtlMs: value };
  }
  throw new GatewayError("INTERNAL", `Unexpected cache script reply: ${JSON.stringify(reply)}`);
}
