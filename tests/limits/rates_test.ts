import assert from "node:assert/strict";
import { appliedLimits, parseRate } from "../../lib/limits/mod.ts";

Deno.test("parseRate() reads N per sec, min, hour and day", () => {
  assert.deepEqual(parseRate("60/min"), { limit: 60, windowMs: 60_000 });
  assert.deepEqual(parseRate(" 5/sec "), { limit: 5, windowMs: 1000 });
  assert.deepEqual(parseRate("1000/day"), { limit: 1000, windowMs: 86_400_000 });
  assert.equal(parseRate("0/min"), undefined);
  assert.equal(parseRate("60/minute"), undefined);
});

Deno.test("appliedLimits() lets a tool's own limit replace the default of its scope", () => {
  const applied = appliedLimits(
    { tool: "jira", client: "anon:10.0.0.1", limits: { perClient: "5/sec" } },
    { perClient: "60/min", global: "1000/min" },
  );
  assert.deepEqual(applied.map((l) => [l.scope, l.rate, l.id]), [
    ["perClient", "5/sec", "perClient:1000:jira:anon:10.0.0.1"],
    ["global", "1000/min", "global:60000:*"],
  ]);
});

Deno.test("appliedLimits() skips scopes whose subject the call does not have", () => {
  const limits = {
    perSession: "10/min",
    perCredential: "10/min",
    perHost: "10/min",
    perTool: "10/min",
  };
  const bare = appliedLimits({ tool: "t", client: "stdio", limits }, {});
  assert.deepEqual(bare.map((l) => l.scope), ["perTool"]);
  const full = appliedLimits({
    tool: "t",
    client: "stdio",
    limits,
    session: "s1",
    credential: "jira",
    host: "https://jira.example.com",
  }, {});
  assert.deepEqual(full.map((l) => l.id), [
    "perSession:60000:t:s1",
    "perTool:60000:t",
    "perCredential:60000:jira",
    "perHost:60000:https://jira.example.com",
  ]);
});

Deno.test("appliedLimits() counts per-client calls per tool, and host calls across tools", () => {
  const defaults = { perClient: "60/min", perHost: "100/min" };
  const a = appliedLimits({ tool: "a", client: "c", host: "https://h" }, defaults);
  const b = appliedLimits({ tool: "b", client: "c", host: "https://h" }, defaults);
  assert.notEqual(a[0]!.id, b[0]!.id);
  assert.equal(a[1]!.id, b[1]!.id);
});

Deno.test("appliedLimits() puts a caller's override before the tool's and the default, up or down", () => {
  const defaults = { perClient: "600/min", perSession: "100/min", global: "1000/min" };
  const call = { tool: "jira", client: "key:a", session: "s1", limits: { perClient: "10/min" } };
  const rates = (overrides?: Record<string, string>) =>
    appliedLimits({ ...call, overrides }, defaults).map((l) => `${l.scope} ${l.rate}`);
  assert.deepEqual(rates(), ["perClient 10/min", "perSession 100/min", "global 1000/min"]);
  assert.deepEqual(rates({ perClient: "3/min" }), [
    "perClient 3/min",
    "perSession 100/min",
    "global 1000/min",
  ]);
  assert.deepEqual(rates({ perClient: "6000/min", perSession: "5/sec" }), [
    "perClient 6000/min",
    "perSession 5/sec",
    "global 1000/min",
  ]);
});

Deno.test("appliedLimits() adds a caller's limit where neither tool nor default has one", () => {
  const applied = appliedLimits(
    { tool: "t", client: "key:a", overrides: { perClient: "3/min" } },
    {},
  );
  assert.deepEqual(applied.map((l) => l.id), ["perClient:60000:t:key:a"]);
});

Deno.test("appliedLimits() ignores overrides of shared scopes and rates that do not parse", () => {
  const applied = appliedLimits({
    tool: "t",
    client: "key:a",
    limits: { perClient: "10/min" },
    overrides: { perClient: "lots", global: "1/sec", perTool: "1/sec" },
  }, { global: "1000/min" });
  assert.deepEqual(applied.map((l) => `${l.scope} ${l.rate}`), [
    "perClient 10/min",
    "global 1000/min",
  ]);
});

Deno.test("appliedLimits() counts a client in the same counter whatever its override", () => {
  const plain = appliedLimits({ tool: "t", client: "key:a" }, { perClient: "10/min" });
  const lowered = appliedLimits({ tool: "t", client: "key:a", overrides: { perClient: "3/min" } }, {
    perClient: "10/min",
  });
  assert.equal(plain[0]!.id, lowered[0]!.id);
});
