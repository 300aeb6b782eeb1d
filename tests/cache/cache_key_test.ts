import assert from "node:assert/strict";
import { canonicalJson } from "../../lib/canonical_json.ts";
import {
  cacheKeyOf,
  cacheKeyOfCanonical,
  createMemoryCacheStore,
  createResponseCache,
  MAX_PLAIN_KEY_CHARS,
  plainCacheKey,
} from "../../lib/cache/mod.ts";
import { silentLogger } from "../../lib/log.ts";

Deno.test("cacheKeyOf() ignores argument key order at every depth", () => {
  const a = cacheKeyOf({
    tool: "t",
    scope: "public",
    args: { b: 1, a: { y: [1, { d: 2, c: 3 }], x: null } },
  });
  const b = cacheKeyOf({
    tool: "t",
    scope: "public",
    args: { a: { x: null, y: [1, { c: 3, d: 2 }] }, b: 1 },
  });
  assert.equal(a, b);
  assert.match(a, /^[0-9a-f]{64}$/);
});

Deno.test("cacheKeyOf() differs by tool, credential scope, argument values and array order", () => {
  const base = { tool: "t", scope: "credential:jira|caller:key:alice", args: { k: [1, 2] } };
  const keys = new Set([
    cacheKeyOf(base),
    cacheKeyOf({ ...base, tool: "u" }),
    cacheKeyOf({ ...base, scope: "credential:jira|caller:key:bob" }),
    cacheKeyOf({ ...base, args: { k: [2, 1] } }),
    cacheKeyOf({ ...base, args: { k: ["1", 2] } }),
  ]);
  assert.equal(keys.size, 5);
});

Deno.test("cacheKeyOf() ignores undefined members like JSON does", () => {
  const base = { tool: "t", scope: "public" };
  assert.equal(
    cacheKeyOf({ ...base, args: { b: undefined, a: 1 } }),
    cacheKeyOf({ ...base, args: { a: 1 } }),
  );
});

Deno.test("cacheKeyOfCanonical() gives cacheKeyOf's key from the arguments' canonical text", () => {
  const args = { b: [1, { d: 'x\u2028"y' }], a: { c: null } };
  for (const [tool, scope] of [["t", "public"], ['a"b', "credential:jira|caller:key:é"]]) {
    assert.equal(
      cacheKeyOfCanonical(tool!, scope!, canonicalJson(args)),
      cacheKeyOf({ tool: tool!, scope: scope!, args }),
    );
  }
  assert.notEqual(
    cacheKeyOfCanonical("t", "public", canonicalJson(args)),
    cacheKeyOfCanonical("t", "public", canonicalJson({ ...args, e: 1 })),
  );
});

Deno.test("plainCacheKey() is the canonical text when short, else cacheKeyOf's digest", () => {
  const args = { b: 1, a: "x" };
  assert.equal(plainCacheKey("t", "public", canonicalJson(args)), '["t","public",{"a":"x","b":1}]');
  const long = { text: "y".repeat(MAX_PLAIN_KEY_CHARS) };
  assert.equal(
    plainCacheKey("t", "public", canonicalJson(long)),
    cacheKeyOf({ tool: "t", scope: "public", args: long }),
  );
});

Deno.test("an in-process store's cache keys entries by their text, a shared one by the digest", () => {
  const args = { a: 1 };
  const local = createResponseCache({ store: createMemoryCacheStore(), logger: silentLogger });
  const shared = createResponseCache({
    store: { ...createMemoryCacheStore(), inProcess: false },
    logger: silentLogger,
  });
  assert.equal(local.keyOf("t", "public", canonicalJson(args)), '["t","public",{"a":1}]');
  assert.equal(
    shared.keyOf("t", "public", canonicalJson(args)),
    cacheKeyOf({ tool: "t", scope: "public", args }),
  );
});
