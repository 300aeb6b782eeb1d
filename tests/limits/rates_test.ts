import assert from "node:assert/strict";
import { admissionLimits, appliedLimits, parseRate } from "../../lib/limits/rates.ts";

Deno.test("parseRate() reads N per sec, min, hour and day", () => {
  assert.deepEqual(parseRate("60/min"), { limit: 60, windowMs: 60_000 });
  assert.deepEqual(parseRate(" 5/sec "), { limit: 5, windowMs: 1000 });
  assert.deepEqual(parseRate("1000/day"), { limit: 1000, windowMs: 86_400_000 });
  assert.equal(parseRate("0/min"), undefined);
  assert.equal(parseRate("60/minute"), undefined);
});

Deno.test("appliedLimits() lets a tool's own limit replace the default of its scope", () => {
  const applied = appliedLimits(
    { tool: "jira", client: "anon:10.0.0.1", host: "https://h", limits: { perHost: "5/sec" } },
    { perHost: "60/min", perTool: "1000/min" },
  );
  assert.deepEqual(applied.map((l) => [l.scope, l.rate, l.id]), [
    ["perTool", "1000/min", "perTool:60000:jira"],
    ["perHost", "5/sec", "perHost:1000:https://h"],
  ]);
});

Deno.test("appliedLimits() leaves the default perClient and global to admissionLimits()", () => {
  const defaults = { perClient: "60/min", global: "1000/min" };
  assert.deepEqual(appliedLimits({ tool: "jira", client: "key:a" }, defaults), []);
  const own = appliedLimits(
    { tool: "jira", client: "key:a", limits: { perClient: "5/sec", global: "9/sec" } },
    defaults,
  );
  assert.deepEqual(own.map((l) => [l.scope, l.rate, l.id]), [
    ["perClient", "5/sec", "perClient:1000:jira:key:a"],
    ["global", "9/sec", "global:1000:tools"],
  ]);
});

Deno.test("admissionLimits() counts a client across every tool name, and the gateway as one", () => {
  const defaults = { perClient: "60/min", global: "1000/min", perTool: "5/min" };
  const applied = admissionLimits({ client: "key:a" }, defaults);
  assert.deepEqual(applied.map((l) => [l.scope, l.rate, l.id]), [
    ["perClient", "60/min", "perClient:60000:*:key:a"],
    ["global", "1000/min", "global:60000:*"],
  ]);
  const tools = appliedLimits({ tool: "t", client: "key:a", limits: defaults }, {});
  const ids = new Set(tools.map((l) => l.id));
  assert.ok(applied.every((l) => !ids.has(l.id)), "never the counter of a tool's own limit");
  assert.deepEqual(admissionLimits({ client: "key:a" }, {}), []);
});

Deno.test("admissionLimits() uses the caller's perClient override, up or down, and no other", () => {
  const defaults = { perClient: "600/min", global: "1000/min" };
  const rates = (overrides?: Record<string, string>) =>
    admissionLimits({ client: "key:a", overrides }, defaults).map((l) => `${l.scope} ${l.rate}`);
  assert.deepEqual(rates(), ["perClient 600/min", "global 1000/min"]);
  assert.deepEqual(rates({ perClient: "3/min" }), ["perClient 3/min", "global 1000/min"]);
  assert.deepEqual(rates({ perClient: "6000/min", global: "1/sec" }), [
    "perClient 6000/min",
    "global 1000/min",
  ]);
  assert.deepEqual(
    admissionLimits({ client: "key:a", overrides: { perClient: "3/min" } }, {}).map((l) => l.id),
    ["perClient:60000:*:key:a"],
    "an override adds a budget where no default sets one",
  );
});

Deno.test("appliedLimits() skips scopes whose subject the call does not have", () => {
  const limits = { perCredential: "10/min", perHost: "10/min", perTool: "10/min" };
  const bare = appliedLimits({ tool: "t", client: "stdio", limits }, {});
  assert.deepEqual(bare.map((l) => l.scope), ["perTool"]);
  const full = appliedLimits({
    tool: "t",
    client: "stdio",
    limits,
    credential: "jira",
    host: "https://jira.example.com",
  }, {});
  assert.deepEqual(full.map((l) => l.id), [
    "perTool:60000:t",
    "perCredential:60000:jira",
    "perHost:60000:https://jira.example.com",
  ]);
});

Deno.test("appliedLimits() counts per-client calls per tool, and host calls across tools", () => {
  const defaults = { perHost: "100/min" };
  const limits = { perClient: "60/min" };
  const a = appliedLimits({ tool: "a", client: "c", host: "https://h", limits }, defaults);
  const b = appliedLimits({ tool: "b", client: "c", host: "https://h", limits }, defaults);
  assert.notEqual(a[0]!.id, b[0]!.id);
  assert.equal(a[1]!.id, b[1]!.id);
});

Deno.test("appliedLimits() puts a caller's override before the tool's own perClient, up or down", () => {
  const call = {
    tool: "jira",
    client: "key:a",
    limits: { perClient: "10/min", perTool: "99/min" },
  };
  const rates = (overrides?: Record<string, string>) =>
    appliedLimits({ ...call, overrides }, { perClient: "600/min" }).map((l) =>
      `${l.scope} ${l.rate}`
    );
  assert.deepEqual(rates(), ["perClient 10/min", "perTool 99/min"]);
  assert.deepEqual(rates({ perClient: "3/min" }), ["perClient 3/min", "perTool 99/min"]);
  assert.deepEqual(rates({ perClient: "6000/min" }), ["perClient 6000/min", "perTool 99/min"]);
});

Deno.test("appliedLimits() ignores overrides of shared scopes and rates that do not parse", () => {
  const applied = appliedLimits({
    tool: "t",
    client: "key:a",
    limits: { perClient: "10/min", global: "1000/min" },
    overrides: { perClient: "lots", global: "1/sec", perTool: "1/sec" },
  }, {});
  assert.deepEqual(applied.map((l) => `${l.scope} ${l.rate}`), [
    "perClient 10/min",
    "global 1000/min",
  ]);
});

Deno.test("appliedLimits() counts a client in the same counter whatever its override", () => {
  const limits = { perClient: "10/min" };
  const plain = appliedLimits({ tool: "t", client: "key:a", limits }, {});
  const lowered = appliedLimits(
    { tool: "t", client: "key:a", limits, overrides: { perClient: "3/min" } },
    {},
  );
  assert.equal(plain[0]!.id, lowered[0]!.id);
});
