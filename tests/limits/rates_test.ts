import assert from "node:assert/strict";
import { appliedLimits, LIMIT_SCOPES, parseRate } from "../../lib/limits/mod.ts";
import { RATE_LIMIT_SCOPES } from "../../lib/registry/fields.ts";

Deno.test("parseRate() reads N per sec, min, hour and day", () => {
  assert.deepEqual(parseRate("60/min"), { limit: 60, windowMs: 60_000 });
  assert.deepEqual(parseRate(" 5/sec "), { limit: 5, windowMs: 1000 });
  assert.deepEqual(parseRate("1000/day"), { limit: 1000, windowMs: 86_400_000 });
  assert.equal(parseRate("0/min"), undefined);
  assert.equal(parseRate("60/minute"), undefined);
});

Deno.test("LIMIT_SCOPES are exactly the scopes tool files may use", () => {
  assert.deepEqual([...LIMIT_SCOPES], [...RATE_LIMIT_SCOPES]);
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
