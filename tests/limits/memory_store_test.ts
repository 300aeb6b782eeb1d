import assert from "node:assert/strict";
import { createMemoryLimitStore } from "../../lib/limits/mod.ts";

const T0 = 1_800_000_000_000;

Deno.test("reportUpstream() in memory keeps a pause against late success reports", async () => {
  let now = T0;
  const store = createMemoryLimitStore({ now: () => now });
  await store.reportUpstream("h", { remaining: 0, resetAfterMs: 2000 });
  await store.reportUpstream("h", { remaining: 40, resetAfterMs: 60_000 });
  assert.deepEqual(await store.takeUpstream("h"), {
    allowed: false,
    remaining: 0,
    retryAfterMs: 2000,
  });
  now += 2000;
  assert.deepEqual(await store.takeUpstream("h"), {
    allowed: true,
    remaining: -1,
    retryAfterMs: 0,
  });
});

Deno.test("reportUpstream() in memory keeps the lowest count reported for one window", async () => {
  const store = createMemoryLimitStore({ now: () => T0 });
  await store.reportUpstream("h", { remaining: 1, resetAfterMs: 10_000 });
  await store.reportUpstream("h", { remaining: 9, resetAfterMs: 10_400 });
  assert.equal((await store.takeUpstream("h")).allowed, true);
  assert.equal((await store.takeUpstream("h")).allowed, false);
});

Deno.test("decide() in memory counts separate subjects apart", async () => {
  const store = createMemoryLimitStore({ now: () => T0 });
  const a = { id: "perClient:1000:t:a", limit: 1, windowMs: 1000 };
  const b = { id: "perClient:1000:t:b", limit: 1, windowMs: 1000 };
  assert.equal((await store.decide([a])).allowed, true);
  assert.equal((await store.decide([a])).allowed, false);
  assert.equal((await store.decide([b])).allowed, true);
});
