import assert from "node:assert/strict";
import { createResponseCache } from "../../lib/cache/mod.ts";
import { createRateLimiter } from "../../lib/limits/mod.ts";
import { silentLogger } from "../../lib/log.ts";
import {
  type CallRecord,
  type CallStage,
  createCacheStages,
  createLimitStage,
} from "../../lib/mcp/mod.ts";
import { buildSnapshot } from "../../lib/registry/snapshot.ts";
import {
  createRedisCacheStore,
  createRedisLimitStore,
  type RedisConnection,
} from "../../lib/store/mod.ts";
import { openTestRedis, redisTest, testPrefix, untilReady } from "../_support/redis.ts";
import { call, callerOf, textOf, tsTool } from "./_limits_fixtures.ts";

/** The limit and cache stages of one gateway instance on `redis`, around `backend`. */
function instance(redis: RedisConnection, prefix: string, backend: CallStage): CallStage[] {
  const cache = createResponseCache({
    store: createRedisCacheStore(redis, { prefix }),
    logger: silentLogger,
  });
  const limiter = createRateLimiter({
    store: createRedisLimitStore(redis, { prefix, subWindows: 10 }),
    logger: silentLogger,
  });
  const { lookahead, serve } = createCacheStages({ cache });
  return [lookahead, createLimitStage(limiter), serve, backend];
}

redisTest(
  "two tenants of a credentialed tool each get their own data from the shared cache",
  async () => {
    const prefix = testPrefix("tenants");
    await using one = openTestRedis(prefix);
    await using two = openTestRedis(prefix);
    await Promise.all([untilReady(one), untilReady(two)]);
    let backendCalls = 0;
    // Stands in for the vault (the tenant's credential) and the backend: each tenant's own data.
    const tenantBackend: CallStage = (ctx) => {
      backendCalls++;
      return Promise.resolve({
        result: { content: [{ type: "text", text: `tickets of ${ctx.caller.principal.id}` }] },
      });
    };
    const snapshot = buildSnapshot([
      tsTool("tickets", () => "unused", {
        annotations: { readOnlyHint: true },
        cache: { ttlMs: 30_000 },
        auth: "tracker",
        rateLimit: { perClient: "100/min" },
      }),
    ], 1);
    const gatewayA = instance(one, prefix, tenantBackend);
    const gatewayB = instance(two, prefix, tenantBackend);
    const acme = callerOf("key:acme");
    const globex = callerOf("key:globex");
    const records: CallRecord[] = [];
    const ask = (stages: CallStage[], caller = acme) =>
      call(snapshot, stages, { name: "tickets", caller, records }).then(textOf);
    assert.equal(await ask(gatewayA, acme), "tickets of key:acme");
    assert.equal(await ask(gatewayB, globex), "tickets of key:globex");
    assert.equal(await ask(gatewayB, acme), "tickets of key:acme");
    assert.equal(await ask(gatewayA, globex), "tickets of key:globex");
    assert.equal(backendCalls, 2);
    assert.deepEqual(records.map((r) => r.facts.cacheHit ?? false), [false, false, true, true]);
  },
);
