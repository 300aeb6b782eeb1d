/**
 * The catalog's pure parts: merged cache hints, cursor pages, who sees which upstream, 2025-era
 * subscriber bookkeeping, and the legacy hub's per-principal resource updates.
 */

import assert from "node:assert/strict";
import type { Caller } from "../../lib/auth/mod.ts";
import { silentLogger } from "../../lib/log.ts";
import { visibleView } from "../../lib/mcp/catalog_handlers.ts";
import { mergedHint } from "../../lib/mcp/catalog_relay.ts";
import { pageAfter } from "../../lib/mcp/catalog_pages.ts";
import { createLegacyListenHub } from "../../lib/mcp/legacy_listen.ts";
import { createResourceSubscribers } from "../../lib/mcp/resource_subscribers.ts";
import { buildSnapshot, type ToolDefinition } from "../../lib/registry/mod.ts";
import { readUpstreamSpecs } from "../../lib/upstream_spec/mod.ts";
import {
  federateCatalog,
  mergeCatalogs,
  type UpstreamSubscriptions,
} from "../../lib/upstreams/mod.ts";

function catalogOf(name: string, hints = {}) {
  const { specs } = readUpstreamSpecs([{ name, url: "http://127.0.0.1:1/mcp" }]);
  return federateCatalog(specs[0]!, {
    prompts: [{ name: "p" }],
    resources: [{ uri: `${name}://r`, name: "r" }],
    templates: [],
  }, hints).catalog;
}

Deno.test("mergedHint() takes the smallest TTL of the gateway and the upstreams; private wins", () => {
  const { catalog } = mergeCatalogs([
    catalogOf("a", { prompts: { ttlMs: 5000, cacheScope: "public" } }),
    catalogOf("b", { prompts: { ttlMs: 700 }, resources: { ttlMs: 0 } }),
    catalogOf("c"),
  ]);
  assert.deepEqual(mergedHint(catalog, "prompts", 60_000), { ttlMs: 700, cacheScope: "private" });
  assert.deepEqual(mergedHint(catalog, "resources", 60_000), { ttlMs: 0, cacheScope: "private" });
  assert.deepEqual(mergedHint(catalog, "templates", 60_000), {
    ttlMs: 60_000,
    cacheScope: "private",
  });
  assert.deepEqual(mergedHint(catalog, "prompts", 100), { ttlMs: 100, cacheScope: "private" });
});

Deno.test("pageAfter() pages by key, survives an insertion, and refuses a foreign cursor", () => {
  const keys = ["a://1", "b://é", "c://3"];
  const first = pageAfter(keys, (key) => key, undefined, 2);
  assert.deepEqual(first.items, ["a://1", "b://é"]);
  const later = ["a://0", ...keys];
  const second = pageAfter(later, (key) => key, first.nextCursor, 2);
  assert.deepEqual(second, { items: ["c://3"] });
  assert.throws(() => pageAfter(keys, (key) => key, "nope!", 2), /Invalid cursor/);
});

Deno.test("visibleView() shows an upstream's resources to callers who may use its tools or prefix", () => {
  const { catalog } = mergeCatalogs([catalogOf("a"), catalogOf("b")]);
  const tool = {
    name: "a_t",
    tags: [],
    backend: { kind: "mcp", upstream: "a" },
  } as unknown as ToolDefinition;
  const snapshot = { tools: [tool] } as unknown as ReturnType<typeof buildSnapshot>;
  const caller = {} as Caller;
  const onlyTool = visibleView({
    catalog: { current: () => catalog } as never,
    snapshot: () => snapshot,
    canUse: (_caller, item) => item.name === "a_t",
  }, caller);
  assert.equal(onlyTool.upstream("a"), true);
  assert.equal(onlyTool.upstream("b"), false);
  assert.equal(onlyTool.prompt({ name: "b_p", upstream: "b" }), false);
  const prefix = visibleView({
    catalog: { current: () => catalog } as never,
    snapshot: () => snapshot,
    canUse: (_caller, item) => item.name.startsWith("b_"),
  }, caller);
  assert.equal(prefix.upstream("a"), false);
  assert.equal(prefix.upstream("b"), true);
});

function countingUpstream(): UpstreamSubscriptions & { counts: Map<string, number> } {
  const counts = new Map<string, number>();
  return {
    counts,
    acquire(uri) {
      counts.set(uri, (counts.get(uri) ?? 0) + 1);
      return Promise.resolve();
    },
    release(uri) {
      counts.set(uri, (counts.get(uri) ?? 0) - 1);
    },
    acquireTask: () => Promise.resolve(),
    releaseTask: () => {},
    renew: () => Promise.resolve(),
    size: () => [...counts.values()].filter((count) => count > 0).length,
    close: () => Promise.resolve(),
  };
}

Deno.test("createResourceSubscribers() counts each subscriber once per URI and drops them all", async () => {
  const upstream = countingUpstream();
  const subscribers = createResourceSubscribers(() => new Error("limit"));
  await subscribers.add("p1", "x://1", upstream);
  await subscribers.add("p1", "x://1", upstream);
  await subscribers.add("p2", "x://1", upstream);
  await subscribers.add("p1", "x://2", upstream);
  assert.deepEqual(subscribers.keysFor("x://1").sort(), ["p1", "p2"]);
  assert.equal(upstream.counts.get("x://1"), 2);
  subscribers.removeAll("p1");
  assert.deepEqual(subscribers.keysFor("x://1"), ["p2"]);
  assert.equal(upstream.counts.get("x://1"), 1);
  assert.equal(upstream.counts.get("x://2"), 0);
  assert.equal(subscribers.has("p1", "x://2"), false);
});

Deno.test("the legacy hub sends a resource update only to the subscribed principal's streams", async () => {
  const gone: string[] = [];
  const hub = createLegacyListenHub({
    maxStreams: 4,
    keepAliveMs: 0,
    logger: silentLogger,
    onPrincipalGone: (id) => gone.push(id),
  });
  const alice = new AbortController();
  const bob = new AbortController();
  const aliceStream = hub.open(new Request("http://x/mcp", { signal: alice.signal }), "alice");
  const bobStream = hub.open(new Request("http://x/mcp", { signal: bob.signal }), "bob");
  hub.resourceUpdated("x://1", ["alice"]);
  hub.promptsChanged();
  hub.close();
  const aliceText = await aliceStream.text();
  const bobText = await bobStream.text();
  assert.match(aliceText, /notifications\/resources\/updated.*x:\/\/1/);
  assert.match(aliceText, /notifications\/prompts\/list_changed/);
  assert.doesNotMatch(bobText, /resources\/updated/);
  assert.match(bobText, /notifications\/prompts\/list_changed/);
  assert.deepEqual(gone, []);
});

Deno.test("the legacy hub reports a principal gone when its last stream ends", async () => {
  const gone: string[] = [];
  const hub = createLegacyListenHub({
    maxStreams: 4,
    keepAliveMs: 0,
    logger: silentLogger,
    onPrincipalGone: (id) => gone.push(id),
  });
  const first = new AbortController();
  const second = new AbortController();
  const streams = [
    hub.open(new Request("http://x/mcp", { signal: first.signal }), "alice"),
    hub.open(new Request("http://x/mcp", { signal: second.signal }), "alice"),
  ];
  first.abort();
  assert.deepEqual(gone, []);
  second.abort();
  assert.deepEqual(gone, ["alice"]);
  hub.close();
  for (const stream of streams) await stream.body?.cancel();
});
