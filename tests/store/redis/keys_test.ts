import assert from "node:assert/strict";
import { REDIS_PREFIX_PATTERN } from "../../../lib/names.ts";
import { redisKey } from "../../../lib/store/redis/keys.ts";

/** The Redis Cluster hash tag of a key: the text between the first `{` and the next `}`. */
function hashTag(key: string): string {
  const open = key.indexOf("{");
  const close = key.indexOf("}", open + 1);
  return open >= 0 && close > open + 1 ? key.slice(open + 1, close) : key;
}

Deno.test("redisKey() puts every limit counter under one hash tag", () => {
  const a = redisKey("nexus", "limit", "perClient:60000:jira:jwt:{issuer}#sub");
  const b = redisKey("nexus", "limit", "global:60000:*");
  assert.equal(hashTag(a), "nexus:rl");
  assert.equal(hashTag(a), hashTag(b));
});

Deno.test("redisKey() puts a cache entry's value and lock under the entry's own hash tag", () => {
  const value = redisKey("nexus", "cacheValue", "abc");
  const lock = redisKey("nexus", "cacheLock", "abc");
  assert.equal(hashTag(value), hashTag(lock));
  assert.notEqual(hashTag(value), hashTag(redisKey("nexus", "cacheValue", "abd")));
  assert.notEqual(value, lock);
});

Deno.test("REDIS_PREFIX_PATTERN refuses braces, which would break hash tags", () => {
  assert.ok(REDIS_PREFIX_PATTERN.test("nexus:prod"));
  assert.ok(!REDIS_PREFIX_PATTERN.test("nex{us}"));
  assert.ok(!REDIS_PREFIX_PATTERN.test(""));
});

Deno.test("redisKey() gives each ended 2025 session its own hash tag under the prefix", () => {
  const ended = redisKey("nexus", "sessionEnded", "sid-1");
  assert.equal(hashTag(ended), "nexus:s:sid-1");
  assert.notEqual(hashTag(ended), hashTag(redisKey("nexus", "sessionEnded", "sid-2")));
  assert.equal(redisKey("nexus", "sessionChannel", "messages"), "nexus:session:messages");
});
