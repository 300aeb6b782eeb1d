import assert from "node:assert/strict";
import { createRedisCacheStore } from "../../../lib/store/mod.ts";
import { redisKey } from "../../../lib/store/redis/keys.ts";
import { openTestRedis, redisTest, testPrefix, untilReady } from "../../_support/redis.ts";

redisTest(
  "lookup() makes one caller the leader and tells the others how long to wait",
  async () => {
    const prefix = testPrefix("cache");
    await using redis = openTestRedis(prefix);
    await untilReady(redis);
    const store = createRedisCacheStore(redis, { prefix });
    assert.deepEqual(await store.lookup("k1", "leader", 5000), { kind: "lead" });
    const waiting = await store.lookup("k1", "other", 5000);
    assert.equal(waiting.kind, "wait");
    assert.ok(waiting.kind === "wait" && waiting.lockTtlMs > 4000 && waiting.lockTtlMs <= 5000);
  },
);

redisTest("settle() stores, frees the lock and tells subscribers in one step", async () => {
  const prefix = testPrefix("cache");
  await using redis = openTestRedis(prefix);
  await untilReady(redis);
  const store = createRedisCacheStore(redis, { prefix });
  const heard = Promise.withResolvers<string>();
  await store.lookup("k2", "leader", 5000);
  const unsubscribe = await store.subscribe("k2", heard.resolve);
  await store.settle("k2", "leader", {
    message: "outcome",
    store: { payload: "outcome", ttlMs: 30_000 },
  });
  assert.equal(await heard.promise, "outcome");
  unsubscribe();
  assert.deepEqual(await store.lookup("k2", "next", 5000), { kind: "hit", payload: "outcome" });
  assert.equal(await store.peek("k2"), "outcome");
  assert.equal(await redis.command(["EXISTS", redisKey(prefix, "cacheLock", "k2")]), 0);
  const ttl = await redis.command(["PTTL", redisKey(prefix, "cacheValue", "k2")]) as number;
  assert.ok(ttl > 29_000 && ttl <= 30_000);
});

redisTest("settle() without a value to store publishes but caches nothing", async () => {
  const prefix = testPrefix("cache");
  await using redis = openTestRedis(prefix);
  await untilReady(redis);
  const store = createRedisCacheStore(redis, { prefix });
  await store.lookup("k3", "leader", 5000);
  await store.settle("k3", "leader", { message: "error outcome" });
  assert.equal(await store.peek("k3"), undefined);
  assert.deepEqual(await store.lookup("k3", "next", 5000), { kind: "lead" });
});

redisTest("extend() keeps the lock only for the token that holds it", async () => {
  const prefix = testPrefix("cache");
  await using redis = openTestRedis(prefix);
  await untilReady(redis);
  const store = createRedisCacheStore(redis, { prefix });
  await store.lookup("k4", "leader", 200);
  assert.equal(await store.extend("k4", "impostor", 10_000), false);
  assert.equal(await store.extend("k4", "leader", 10_000), true);
  const ttl = await redis.command(["PTTL", redisKey(prefix, "cacheLock", "k4")]) as number;
  assert.ok(ttl > 9000);
  // A stale leader's settle must not free a lock another caller holds now.
  await redis.command(["SET", redisKey(prefix, "cacheLock", "k4"), "successor", "PX", "10000"]);
  await store.settle("k4", "leader", { message: "late" });
  assert.equal(await redis.command(["GET", redisKey(prefix, "cacheLock", "k4")]), "successor");
});

redisTest(
  "lookup() hands the flight to a new leader once a dead leader's lock expires",
  async () => {
    const prefix = testPrefix("cache");
    await using redis = openTestRedis(prefix);
    await untilReady(redis);
    const store = createRedisCacheStore(redis, { prefix });
    assert.deepEqual(await store.lookup("k5", "dies", 50), { kind: "lead" });
    await new Promise((resolve) => setTimeout(resolve, 80));
    assert.deepEqual(await store.lookup("k5", "survivor", 5000), { kind: "lead" });
  },
);
