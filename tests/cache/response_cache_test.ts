import assert from "node:assert/strict";
import { createMemoryCacheStore, createResponseCache } from "../../lib/cache/mod.ts";
import { GatewayError } from "../../lib/errors.ts";
import { createLogger } from "../../lib/log.ts";
import type { CacheStore } from "../../lib/store/mod.ts";
import { cacheContract } from "./_contract.ts";

cacheContract("memory", Deno.test, (instances) => {
  const store = createMemoryCacheStore();
  return Promise.resolve({
    stores: Array.from({ length: instances }, () => store),
    [Symbol.asyncDispose]: () => Promise.resolve(),
  });
});

const result = { content: [{ type: "text" as const, text: "from backend" }] };

function brokenStore(): CacheStore {
  const down = () => Promise.reject(new GatewayError("UPSTREAM_UNAVAILABLE", "Redis is down"));
  return { peek: down, lookup: down, settle: down, extend: down, subscribe: down };
}

Deno.test("serve() bypasses a failing store and logs the outage once", async () => {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ sink: (line) => lines.push(JSON.parse(line)) });
  const cache = createResponseCache({ store: brokenStore(), logger });
  const request = { key: "k", ttlMs: 1000, timeoutMs: 1000, signal: new AbortController().signal };
  let loads = 0;
  for (let i = 0; i < 5; i++) {
    const served = await cache.serve(request, () => (loads++, Promise.resolve(result)));
    assert.equal(served.source, "bypass");
  }
  assert.equal(await cache.peek("k"), undefined);
  assert.equal(loads, 5);
  assert.equal(cache.counters().bypassed, 5);
  assert.equal(cache.counters().fallbacks, 5);
  const warnings = lines.filter((l) => l.msg === "Redis unavailable: falling back");
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0]?.component, "cache");
});

Deno.test("serve() answers from a peeked outcome without touching the store", async () => {
  const cache = createResponseCache({
    store: brokenStore(),
    logger: createLogger({ sink: () => {} }),
  });
  const request = { key: "k", ttlMs: 1000, timeoutMs: 1000, signal: new AbortController().signal };
  const served = await cache.serve(request, () => Promise.reject(new Error("not called")), {
    result,
  });
  assert.deepEqual(served, { result, source: "hit" });
  assert.equal(cache.counters().hits, 1);
});

Deno.test("createMemoryCacheStore() evicts the oldest entries past its byte bound", async () => {
  let now = 0;
  const store = createMemoryCacheStore({ now: () => now, maxBytes: 1000 });
  for (const id of ["a", "b", "c"]) {
    await store.lookup(id, "t", 1000);
    await store.settle(id, "t", { message: "", store: { payload: "x".repeat(200), ttlMs: 5000 } });
  }
  assert.equal(await store.peek("a"), undefined, "400 bytes each: the oldest went");
  assert.ok(await store.peek("c"));
  now = 5000;
  assert.equal(await store.peek("c"), undefined, "expired with its ttl");
});
