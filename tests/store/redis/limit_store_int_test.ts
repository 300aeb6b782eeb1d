import assert from "node:assert/strict";
import { createMemoryLimitStore, SUB_WINDOWS } from "../../../lib/limits/mod.ts";
import { createRedisLimitStore, type LimitCheck, type LimitStore } from "../../../lib/store/mod.ts";
import { redisKey } from "../../../lib/store/redis/keys.ts";
import { openTestRedis, redisTest, testPrefix, untilReady } from "../../_support/redis.ts";

const T0 = 1_800_000_000_000; // a round instant, so sub-window edges are easy to name
const perSecond = (id: string, limit: number): LimitCheck => ({ id, limit, windowMs: 1000 });

async function admitted(store: LimitStore, checks: LimitCheck[], now: number, times: number) {
  let count = 0;
  for (let i = 0; i < times; i++) if ((await store.decide(checks, { now })).allowed) count++;
  return count;
}

redisTest("decide() rejects the 11th call in a 10-per-second window", async () => {
  const prefix = testPrefix("limits");
  await using redis = openTestRedis(prefix);
  await untilReady(redis);
  const store = createRedisLimitStore(redis, { prefix, subWindows: SUB_WINDOWS });
  const check = perSecond("perTool:1000:t", 10);
  assert.equal(await admitted(store, [check], T0, 10), 10);
  const denied = await store.decide([check], { now: T0 + 500 });
  assert.equal(denied.allowed, false);
  assert.equal(denied.remaining, 0);
  // Sub-windows are 100 ms; the calls at T0 stop counting when sub-window T0/100 + 11 starts.
  assert.equal(denied.retryAfterMs, 1100 - 500);
  assert.equal((await store.decide([check], { now: T0 + 1099 })).allowed, false);
  assert.equal((await store.decide([check], { now: T0 + 1100 })).allowed, true);
});

redisTest("decide() counts a call in all of its limits or in none", async () => {
  const prefix = testPrefix("limits");
  await using redis = openTestRedis(prefix);
  await untilReady(redis);
  const store = createRedisLimitStore(redis, { prefix, subWindows: SUB_WINDOWS });
  const tight = perSecond("perClient:1000:t:a", 1);
  const loose = perSecond("perTool:1000:t", 5);
  assert.equal((await store.decide([tight, loose], { now: T0 })).allowed, true);
  const denied = await store.decide([tight, loose], { now: T0 + 1 });
  assert.equal(denied.allowed, false);
  assert.equal(denied.index, 0);
  const looseOnly = await store.decide([loose], { now: T0 + 2 });
  assert.equal(looseOnly.remaining, 3, "the denied call was not counted in the loose limit");
});

redisTest("decide() keeps one key per limit, expiring with its window", async () => {
  const prefix = testPrefix("limits");
  await using redis = openTestRedis(prefix);
  await untilReady(redis);
  const store = createRedisLimitStore(redis, { prefix, subWindows: SUB_WINDOWS });
  const check: LimitCheck = { id: "global:60000:*", limit: 1000, windowMs: 60_000 };
  for (let i = 0; i < 30; i++) await store.decide([check], { now: T0 + i * 6000 });
  const key = redisKey(prefix, "limit", check.id);
  const fields = await redis.command(["HLEN", key]) as number;
  assert.ok(fields <= SUB_WINDOWS + 1, `${fields} sub-windows kept`);
  const ttl = await redis.command(["PTTL", key]) as number;
  assert.ok(ttl > 0 && ttl <= 66_000, `ttl ${ttl}`);
});

redisTest("decide() uses the Redis clock when no time is passed", async () => {
  const prefix = testPrefix("limits");
  await using redis = openTestRedis(prefix);
  await untilReady(redis);
  const store = createRedisLimitStore(redis, { prefix, subWindows: SUB_WINDOWS });
  const check: LimitCheck = { id: "perTool:3600000:t", limit: 2, windowMs: 3_600_000 };
  assert.equal((await store.decide([check])).allowed, true);
  assert.equal((await store.decide([check])).allowed, true);
  const denied = await store.decide([check]);
  assert.equal(denied.allowed, false);
  assert.ok(denied.retryAfterMs > 3_600_000 - 5000 && denied.retryAfterMs <= 3_960_000);
});

redisTest("the Lua script and its TypeScript twin make the same decisions", async () => {
  const prefix = testPrefix("limits");
  await using redis = openTestRedis(prefix);
  await untilReady(redis);
  const lua = createRedisLimitStore(redis, { prefix, subWindows: SUB_WINDOWS });
  const twin = createMemoryLimitStore({ now: () => T0 });
  const checks: LimitCheck[] = [
    { id: "perClient:1000:t:a", limit: 5, windowMs: 1000 },
    { id: "perTool:60000:t", limit: 40, windowMs: 60_000 },
  ];
  let now = T0 + 17;
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  let denied = 0;
  for (let i = 0; i < 300; i++) {
    now += Math.floor(random() * 250);
    const [a, b] = await Promise.all([lua.decide(checks, { now }), twin.decide(checks, { now })]);
    assert.deepEqual(a, b, `decision ${i} at +${now - T0} ms`);
    if (!a.allowed) denied++;
  }
  assert.ok(denied > 30 && denied < 270, `${denied} denials: both branches were compared`);
});

redisTest("takeUpstream() holds every caller until a reported reset", async () => {
  const prefix = testPrefix("limits");
  await using redis = openTestRedis(prefix);
  await untilReady(redis);
  const store = createRedisLimitStore(redis, { prefix, subWindows: SUB_WINDOWS });
  const id = "http://127.0.0.1:9#jira";
  assert.deepEqual(await store.takeUpstream(id, { now: T0 }), {
    allowed: true,
    remaining: -1,
    retryAfterMs: 0,
  });
  await store.reportUpstream(id, { remaining: 0, resetAfterMs: 2000 }, { now: T0 });
  const held = await store.takeUpstream(id, { now: T0 + 500 });
  assert.deepEqual(held, { allowed: false, remaining: 0, retryAfterMs: 1500 });
  // A late success report from a call already in flight does not lift the pause early.
  await store.reportUpstream(id, { remaining: 50, resetAfterMs: 60_000 }, { now: T0 + 600 });
  assert.equal((await store.takeUpstream(id, { now: T0 + 700 })).allowed, false);
  assert.equal((await store.takeUpstream(id, { now: T0 + 2000 })).allowed, true);
});

redisTest("takeUpstream() spends a reported budget across callers", async () => {
  const prefix = testPrefix("limits");
  await using redis = openTestRedis(prefix);
  await untilReady(redis);
  const store = createRedisLimitStore(redis, { prefix, subWindows: SUB_WINDOWS });
  const id = "https://api.example.com";
  await store.reportUpstream(id, { remaining: 2, resetAfterMs: 10_000 }, { now: T0 });
  // Out-of-order reports of the same window: the lowest count wins.
  await store.reportUpstream(id, { remaining: 5, resetAfterMs: 9800 }, { now: T0 + 100 });
  const verdicts = [];
  for (let i = 0; i < 3; i++) verdicts.push(await store.takeUpstream(id, { now: T0 + 200 }));
  assert.deepEqual(verdicts.map((v) => [v.allowed, v.remaining]), [[true, 1], [true, 0], [
    false,
    0,
  ]]);
});
