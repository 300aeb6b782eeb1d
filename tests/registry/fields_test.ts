import assert from "node:assert/strict";
import {
  checkRateLimit,
  checkToolName,
  parseDuration,
  readCache,
  readTimeout,
} from "../../lib/registry/fields.ts";

Deno.test("parseDuration() reads ms, s, m, h and plain milliseconds", () => {
  assert.equal(parseDuration("250ms"), 250);
  assert.equal(parseDuration("10s"), 10_000);
  assert.equal(parseDuration("2m"), 120_000);
  assert.equal(parseDuration("1.5s"), 1500);
  assert.equal(parseDuration(1500), 1500);
  for (const bad of ["10", "10 sec", "-1s", "0s", 0, -5, "", null]) {
    assert.equal(parseDuration(bad), undefined, String(bad));
  }
});

Deno.test("readTimeout() defaults to 30s and refuses more than 5m", () => {
  assert.equal(readTimeout(undefined, "timeout"), 30_000);
  assert.equal(readTimeout("5m", "timeout"), 300_000);
  assert.equal(readTimeout("6m", "timeout"), "timeout must be at most 5m");
});

Deno.test("checkToolName() follows the MCP name rules", () => {
  assert.equal(checkToolName("jira.get_issue-2"), undefined);
  assert.equal(checkToolName("a".repeat(128)), undefined);
  assert.match(checkToolName("a".repeat(129)) ?? "", /breaks the MCP tool name rules/);
  assert.match(checkToolName("has space") ?? "", /breaks the MCP tool name rules/);
  assert.match(checkToolName("") ?? "", /breaks the MCP tool name rules/);
  assert.equal(checkToolName(7), "name must be a string");
});

Deno.test("checkRateLimit() accepts N/sec|min|hour|day for known scopes only", () => {
  assert.deepEqual(checkRateLimit("perClient", "60/min"), []);
  assert.deepEqual(checkRateLimit("global", "1000/day"), []);
  assert.equal(checkRateLimit("perClient", "60/minute").length, 1);
  assert.equal(checkRateLimit("perClient", "0/min").length, 1);
  assert.equal(checkRateLimit("perPlanet", "1/sec").length, 1);
});

Deno.test("readCache() is refused unless the tool is read-only", () => {
  assert.deepEqual(readCache({ ttl: "30s" }, true), { ttlMs: 30_000 });
  const problems = readCache({ ttl: "30s" }, false);
  assert.ok(Array.isArray(problems));
  assert.deepEqual(problems.map((p) => p.message), [
    "cache is only allowed when annotations.readOnlyHint is true",
  ]);
});
