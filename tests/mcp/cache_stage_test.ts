import assert from "node:assert/strict";
import {
  createMemoryCacheStore,
  createResponseCache,
  type ResponseCache,
} from "../../lib/cache/mod.ts";
import { createMemoryLimitStore, createRateLimiter } from "../../lib/limits/mod.ts";
import { createOutboundAuth } from "../../lib/credentials/inject.ts";
import { silentLogger } from "../../lib/log.ts";
import {
  type CallRecord,
  type CallStage,
  createCacheStages,
  createCredentialStage,
  createLimitStage,
} from "../../lib/mcp/mod.ts";
import { buildSnapshot } from "../../lib/registry/snapshot.ts";
import type { HttpBackendSpec } from "../../lib/registry/types.ts";
import { Secret } from "../../lib/secret.ts";
import type { CacheStore } from "../../lib/store/mod.ts";
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
      result: { content: [{ type: "text", text: `data of ${ctx.caller.principal.id}` }] },
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

/** A memory cache store that remembers every entry id it was asked to settle. */
function recordingStore(): { store: CacheStore; ids: Set<string> } {
  const inner = createMemoryCacheStore();
  const ids = new Set<string>();
  return {
    ids,
    store: {
      ...inner,
      settle(id, token, settlement) {
        ids.add(id);
        return inner.settle(id, token, settlement);
      },
    },
  };
}

function assertNoRun(text: string, secret: string, where: string): void {
  for (let i = 0; i + 8 <= secret.length; i++) {
    const run = secret.slice(i, i + 8);
    assert.ok(!text.includes(run), `${where}: an 8-character run of the secret: ${run}`);
  }
}

Deno.test("the cache stores only scrubbed results: a secret straddling maxBytes or the error excerpt reaches neither the client nor the store", async () => {
  const secret = "sk-live-0a1b2c3d4e5f6a7b8c9d";
  const upstream = startUpstream({
    routes: {
      "/cut": () => new Response(`${"t".repeat(990)}${secret}${"u".repeat(3000)}`),
      "/deny": () => new Response(`${"e".repeat(490)}${secret} and more`, { status: 404 }),
    },
  });
  try {
    const auth = createOutboundAuth({
      headers: [["authorization", new Secret(`Bearer ${secret}`)]],
      secrets: [new Secret(secret)],
    });
    const vault = {
      resolve: (name: string) => Promise.resolve({ name, version: 1, kind: "bearer", auth }),
      retryAfterUnauthorized: () => Promise.resolve(undefined),
    };
    const cut = httpTool("cut", `${upstream.url}/cut`, { ...CACHED, auth: "api" });
    (cut.backend as HttpBackendSpec).response = { maxBytes: 1000 };
    const deny = httpTool("deny", `${upstream.url}/deny`, { ...CACHED, auth: "api" });
    const snapshot = buildSnapshot([cut, deny], 1);
    const { store, ids } = recordingStore();
    const cache = createResponseCache({ store, logger: silentLogger, errorTtlMs: 30_000 });
    const stages = stagesFor(cache, [createCredentialStage(vault)]);
    for (const name of ["cut", "deny"]) {
      const first = await call(snapshot, stages, { name });
      const second = await call(snapshot, stages, { name });
      assertNoRun(textOf(first), secret, `${name}: first answer`);
      assertNoRun(textOf(second), secret, `${name}: cached answer`);
    }
    assert.equal(upstream.hits("/cut"), 1, "the cut result was cached");
    assert.equal(upstream.hits("/deny"), 1, "the 404 was cached");
    assert.equal(ids.size, 2);
    for (const id of ids) {
      const payload = await store.peek(id);
      assert.ok(payload !== undefined, "the entry is in the store");
      assertNoRun(payload, secret, "cache store");
    }
  } finally {
    await upstream.close();
  }
});

Deno.test("the lookahead hands its read to the serve stage in the context's typed slot", async () => {
  const upstream = startUpstream();
  try {
    const snapshot = buildSnapshot([
      httpTool("cached", `${upstream.url}/echo/c`, CACHED),
      httpTool("plain", `${upstream.url}/echo/p`),
    ], 1);
    const { lookahead, serve } = createCacheStages({ cache: memoryCache() });
    const slots: (string | undefined)[] = [];
    const statuses: (number | undefined)[] = [];
    const between: CallStage = (ctx, next) => (slots.push(ctx.cacheLookahead?.key), next());
    const outside: CallStage = async (_ctx, next) => {
      const outcome = await next();
      statuses.push(outcome.upstream?.status);
      return outcome;
    };
    const stages = [outside, lookahead, between, serve];
    await call(snapshot, stages, { name: "cached", args: { a: 1 } });
    await call(snapshot, stages, { name: "cached", args: { a: 1 } });
    await call(snapshot, stages, { name: "plain" });
    assert.equal(slots.length, 3);
    assert.match(slots[0] ?? "", /\S/, "a cacheable call carries its key");
    assert.equal(slots[1], slots[0], "the same arguments, the same key");
    assert.equal(slots[2], undefined, "an uncached tool has no slot");
    assert.deepEqual(statuses, [200, undefined, 200], "a hit reached no upstream");
  } finally {
    await upstream.close();
  }
});
