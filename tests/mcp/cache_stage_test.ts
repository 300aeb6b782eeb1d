import assert from "node:assert/strict";
import {
  createMemoryCacheStore,
  createResponseCache,
  type ResponseCache,
} from "../../lib/cache/mod.ts";
import { createMemoryLimitStore, createRateLimiter } from "../../lib/limits/mod.ts";
import { silentLogger } from "../../lib/log.ts";
import {
  type CallRecord,
  type CallStage,
  createCacheStages,
  createLimitStage,
} from "../../lib/mcp/mod.ts";
import { buildSnapshot } from "../../lib/registry/mod.ts";
import { startUpstream } from "../_support/upstream_server.ts";
import { call, callerOf, httpTool, textOf, tsTool } from "./_limits_fixtures.ts";

const CACHED = { annotations: { readOnlyHint: true }, cache: { ttlMs: 30_000 } };

function stagesFor(cache: ResponseCache, inner: CallStage[] = []): CallStage[] {
  const { lookahead, serve } = createCacheStages({ cache });
  const limiter = createRateLimiter({ store: createMemoryLimitStore(), logger: silentLogger });
  return [lookahead, createLimitStage(limiter), serve, ...inner];
}

function memoryCache(): ResponseCache {
  return createResponseCache({ store: createMemoryCacheStore(), logger: silentLogger });
}

Deno.test("a cached tool answers an identical call from the cache, recorded as a hit", async () => {
  const upstream = startUpstream();
  try {
    const snapshot = buildSnapshot([httpTool("get", `${upstream.url}/echo/a`, CACHED)], 1);
    const stages = stagesFor(memoryCache());
    const records: CallRecord[] = [];
    const first = await call(snapshot, stages, { name: "get", args: { a: 1, b: 2 }, records });
    const second = await call(snapshot, stages, { name: "get", args: { b: 2, a: 1 }, records });
    assert.equal(textOf(second), textOf(first));
    assert.equal(upstream.hits("/echo/a"), 1);
    assert.deepEqual(records.map((r) => r.facts.cacheHit ?? false), [false, true]);
    await call(snapshot, stages, { name: "get", args: { a: 2, b: 2 } });
    assert.equal(upstream.hits("/echo/a"), 2, "other arguments, other entry");
  } finally {
    await upstream.close();
  }
});

Deno.test("concurrent identical calls reach the backend once, the others recorded as coalesced", async () => {
  const upstream = startUpstream();
  try {
    const snapshot = buildSnapshot([httpTool("slow", `${upstream.url}/sleep/100`, CACHED)], 1);
    const stages = stagesFor(memoryCache());
    const records: CallRecord[] = [];
    const results = await Promise.all(
      Array.from({ length: 20 }, () => call(snapshot, stages, { name: "slow", records })),
    );
    assert.equal(upstream.hits("/sleep/100"), 1);
    assert.ok(results.every((r) => textOf(r) === '{"slept":100}'));
    assert.equal(records.filter((r) => r.facts.coalesced).length, 19);
  } finally {
    await upstream.close();
  }
});

Deno.test("a tool error is answered to every waiting call but not cached", async () => {
  const upstream = startUpstream();
  try {
    const url = `${upstream.url}/respond?status=500&body=down`;
    const snapshot = buildSnapshot([httpTool("flaky", url, CACHED)], 1);
    const stages = stagesFor(memoryCache());
    const first = await call(snapshot, stages, { name: "flaky" });
    const second = await call(snapshot, stages, { name: "flaky" });
    assert.match(textOf(first), /HTTP 500/);
    assert.match(textOf(second), /HTTP 500/);
    assert.equal(upstream.hits("/respond"), 2);
  } finally {
    await upstream.close();
  }
});

Deno.test("callers with a credentialed tool get their own cached data; a public tool is shared", async () => {
  let backendCalls = 0;
  // Stands in for the credential vault and the backend: answers with the caller's own data.
  const tenantBackend: CallStage = (ctx) => {
    backendCalls++;
    return Promise.resolve({
      content: [{ type: "text", text: `data of ${ctx.caller.principal.id}` }],
    });
  };
  const snapshot = buildSnapshot([
    tsTool("private", () => "unused", { ...CACHED, auth: "tenant_api" }),
    tsTool("public", () => "same for all", CACHED),
  ], 1);
  const stages = stagesFor(memoryCache());
  const privateStages = stagesFor(memoryCache(), [tenantBackend]);
  const alice = callerOf("key:alice");
  const bob = callerOf("key:bob");
  assert.equal(
    textOf(await call(snapshot, privateStages, { name: "private", caller: alice })),
    "data of key:alice",
  );
  assert.equal(
    textOf(await call(snapshot, privateStages, { name: "private", caller: bob })),
    "data of key:bob",
  );
  assert.equal(
    textOf(await call(snapshot, privateStages, { name: "private", caller: alice })),
    "data of key:alice",
  );
  assert.equal(backendCalls, 2);
  const records: CallRecord[] = [];
  await call(snapshot, stages, { name: "public", caller: alice, records });
  await call(snapshot, stages, { name: "public", caller: bob, records });
  assert.deepEqual(records.map((r) => r.facts.cacheHit ?? false), [false, true]);
});

Deno.test("a tool without a cache spec is never cached", async () => {
  let calls = 0;
  const snapshot = buildSnapshot([tsTool("plain", () => `call ${++calls}`)], 1);
  const stages = stagesFor(memoryCache());
  await call(snapshot, stages, { name: "plain" });
  assert.equal(textOf(await call(snapshot, stages, { name: "plain" })), "call 2");
});
