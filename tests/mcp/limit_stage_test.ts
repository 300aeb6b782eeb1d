import assert from "node:assert/strict";
import { createPolicy, type Policy, type PolicyRule } from "../../lib/auth/mod.ts";
import { GatewayError, RATE_LIMITED_JSON_RPC_CODE } from "../../lib/errors.ts";
import {
  createMemoryLimitStore,
  createRateLimiter,
  type RateLimiter,
} from "../../lib/limits/mod.ts";
import { silentLogger } from "../../lib/log.ts";
import { createAdmission, createLimitStage, createUpstreamStage } from "../../lib/mcp/mod.ts";
import { buildSnapshot } from "../../lib/registry/snapshot.ts";
import type { LimitStore } from "../../lib/store/mod.ts";
import { startUpstream } from "../_support/upstream_server.ts";
import { call, callerOf, httpTool, tsTool } from "./_limits_fixtures.ts";

function limiterAt(
  clock: { now: number },
  store?: LimitStore,
  defaults?: Record<string, string>,
): RateLimiter {
  return createRateLimiter({
    store: store ?? createMemoryLimitStore({ now: () => clock.now }),
    logger: silentLogger,
    now: () => clock.now,
    defaults,
  });
}

Deno.test("100 unknown-tool calls from a client with a 10/min budget are RATE_LIMITED after the 10th", async () => {
  const limiter = limiterAt({ now: 1_800_000_000_000 }, undefined, { perClient: "10/min" });
  const admit = createAdmission(limiter);
  const snapshot = buildSnapshot([tsTool("real", () => "ok")], 1);
  const codes: string[] = [];
  for (let i = 0; i < 100; i++) {
    // Why a new name each time: a per-name counter would never fill.
    const outcome = await call(snapshot, [], { name: `made_up_${i}`, admit });
    assert.ok(outcome instanceof GatewayError);
    codes.push(outcome.code);
  }
  assert.deepEqual(codes.slice(0, 10), Array(10).fill("NOT_FOUND"));
  assert.deepEqual(codes.slice(10), Array(90).fill("RATE_LIMITED"));
  const real = await call(snapshot, [], { name: "real", admit });
  assert.ok(real instanceof GatewayError && real.code === "RATE_LIMITED", "the budget is spent");
  assert.deepEqual(real.data, { retryAfterMs: 66_000, scope: "perClient", limit: "10/min" });
  const other = await call(snapshot, [], { name: "real", admit, caller: callerOf("key:bob") });
  assert.ok(!(other instanceof GatewayError), "another client has its own budget");
});

Deno.test("a denied tool spends the budget exactly like an unknown one", async () => {
  const snapshot = buildSnapshot([tsTool("hidden", () => "ok")], 1);
  async function codesFor(name: string): Promise<string[]> {
    const limiter = limiterAt({ now: 1_800_000_000_000 }, undefined, { perClient: "3/min" });
    const admit = createAdmission(limiter);
    const codes: string[] = [];
    for (let i = 0; i < 5; i++) {
      const outcome = await call(snapshot, [], { name, admit, canUse: () => false });
      codes.push(outcome instanceof GatewayError ? outcome.code : "result");
    }
    return codes;
  }
  const expected = ["NOT_FOUND", "NOT_FOUND", "NOT_FOUND", "RATE_LIMITED", "RATE_LIMITED"];
  assert.deepEqual(await codesFor("hidden"), expected);
  assert.deepEqual(await codesFor("missing"), expected);
});

Deno.test("invalid-argument calls spend the budget, and a refused call never runs the validator", async () => {
  const limiter = limiterAt({ now: 1_800_000_000_000 }, undefined, { perClient: "10/min" });
  const admit = createAdmission(limiter);
  let validated = 0;
  const tool = tsTool("strict", () => "ok", {
    checkInput: () => (validated++, ['argument "n": must be integer']),
  });
  const snapshot = buildSnapshot([tool], 1);
  const outcomes = [];
  for (let i = 0; i < 15; i++) {
    outcomes.push(await call(snapshot, [], { name: "strict", args: { n: "x" }, admit }));
  }
  const invalid = outcomes.filter((o) => !(o instanceof GatewayError) && o.isError);
  const limited = outcomes.filter((o) => o instanceof GatewayError && o.code === "RATE_LIMITED");
  assert.equal(invalid.length, 10);
  assert.equal(limited.length, 5);
  assert.equal(validated, 10, "the validator ran only for admitted calls");
});

Deno.test("the global budget counts every client's calls, known tools or not", async () => {
  const limiter = limiterAt({ now: 1_800_000_000_000 }, undefined, { global: "5/min" });
  const admit = createAdmission(limiter);
  const snapshot = buildSnapshot([tsTool("t", () => "ok")], 1);
  for (let i = 0; i < 5; i++) {
    await call(snapshot, [], { name: i % 2 ? "t" : "nope", admit, caller: callerOf(`key:${i}`) });
  }
  const denied = await call(snapshot, [], { name: "t", admit, caller: callerOf("key:new") });
  assert.ok(denied instanceof GatewayError);
  assert.deepEqual(denied.data?.scope, "global");
});

Deno.test("a policy's perClient override sets the client's budget before lookup, up or down", async () => {
  const limiter = limiterAt({ now: 1_800_000_000_000 }, undefined, { perClient: "5/min" });
  const policy = createPolicy({
    rules: [
      rule({ clients: ["key:alice"], rateLimit: { perClient: "2/min" } }),
      rule({ clients: ["key:carol"], rateLimit: { perClient: "8/min" } }),
    ],
  });
  const admit = createAdmission(limiter, { overridesFor: (p) => policy.rateLimitFor(p) });
  const snapshot = buildSnapshot([], 1);
  async function admitted(name: string): Promise<number> {
    let count = 0;
    for (let i = 0; i < 10; i++) {
      const outcome = await call(snapshot, [], { name: "x", admit, caller: callerOf(name) });
      if (outcome instanceof GatewayError && outcome.code === "NOT_FOUND") count++;
    }
    return count;
  }
  assert.equal(await admitted("alice"), 2);
  assert.equal(await admitted("bob"), 5);
  assert.equal(await admitted("carol"), 8);
});

Deno.test("a RATE_LIMITED error quotes a caller's 250 KB tool name cut to 128 characters", async () => {
  const limiter = limiterAt({ now: 1_800_000_000_000 }, undefined, { perClient: "1/min" });
  const admit = createAdmission(limiter);
  const snapshot = buildSnapshot([], 1);
  const name = "n".repeat(250_000);
  const missing = await call(snapshot, [], { name, admit });
  const limited = await call(snapshot, [], { name, admit });
  assert.ok(missing instanceof GatewayError && limited instanceof GatewayError);
  assert.equal(missing.code, "NOT_FOUND");
  assert.equal(limited.code, "RATE_LIMITED");
  assert.ok(missing.message.length < 200, `${missing.message.length}`);
  assert.ok(limited.message.length < 300, `${limited.message.length}`);
});

Deno.test("a call over its limit is RATE_LIMITED with retryAfterMs and never reaches the backend", async () => {
  const upstream = startUpstream();
  try {
    const clock = { now: 1_800_000_000_000 };
    const limiter = limiterAt(clock);
    const tool = httpTool("limited", `${upstream.url}/echo/x`, {
      rateLimit: { perClient: "2/min" },
    });
    const snapshot = buildSnapshot([tool], 1);
    const stages = [createLimitStage(limiter), createUpstreamStage(limiter)];
    for (let i = 0; i < 2; i++) {
      assert.ok(!(await call(snapshot, stages, { name: "limited" }) instanceof GatewayError));
    }
    clock.now += 1500;
    const denied = await call(snapshot, stages, { name: "limited" });
    assert.ok(denied instanceof GatewayError);
    assert.equal(denied.code, "RATE_LIMITED");
    assert.equal(denied.mapping.jsonRpc, RATE_LIMITED_JSON_RPC_CODE);
    assert.equal(denied.mapping.toolResult, false, "a protocol error, not a tool result");
    assert.deepEqual(denied.data, { retryAfterMs: 64_500, scope: "perClient", limit: "2/min" });
    assert.match(denied.message, /Rate limit exceeded for tool "limited": perClient 2\/min/);
    assert.equal(upstream.hits("/echo/x"), 2);
    const other = await call(snapshot, stages, {
      name: "limited",
      caller: callerOf("anon:10.0.0.2"),
    });
    assert.ok(!(other instanceof GatewayError), "another client has its own budget");
  } finally {
    await upstream.close();
  }
});

function rule(extras: Partial<PolicyRule>): PolicyRule {
  return { clients: [], groups: [], tools: ["*"], tags: [], deny: [], ...extras };
}

Deno.test("a policy's per-client limit admits 3 calls for client A and the tool's 10 for client B", async () => {
  const clock = { now: 1_800_000_000_000 };
  const limiter = limiterAt(clock);
  let backendCalls = 0;
  const snapshot = buildSnapshot([
    tsTool("lookup", () => ({ n: ++backendCalls }), { rateLimit: { perClient: "10/min" } }),
  ], 1);
  let policy: Policy = createPolicy({
    rules: [
      rule({ clients: ["key:alice"], rateLimit: { perClient: "3/min" } }),
      rule({ clients: ["key:carol"], rateLimit: { perClient: "20/min" } }),
    ],
  });
  const stages = [
    createLimitStage(limiter, { overridesFor: (principal) => policy.rateLimitFor(principal) }),
  ];
  async function admitted(client: string, attempts: number): Promise<[number, GatewayError[]]> {
    const denials: GatewayError[] = [];
    for (let i = 0; i < attempts; i++) {
      const outcome = await call(snapshot, stages, { name: "lookup", caller: callerOf(client) });
      if (outcome instanceof GatewayError) denials.push(outcome);
    }
    return [attempts - denials.length, denials];
  }
  const [alice, aliceDenied] = await admitted("alice", 5);
  assert.equal(alice, 3, "lowered below the tool's 10/min");
  assert.equal(aliceDenied[0]?.code, "RATE_LIMITED");
  assert.equal(aliceDenied[0]?.data?.scope, "perClient");
  assert.equal(aliceDenied[0]?.data?.limit, "3/min");
  assert.ok(Number(aliceDenied[0]?.data?.retryAfterMs) > 0);
  const [bob, bobDenied] = await admitted("bob", 12);
  assert.equal(bob, 10, "no override: the tool's own limit");
  assert.equal(bobDenied[0]?.data?.limit, "10/min");
  const [carol] = await admitted("carol", 25);
  assert.equal(carol, 20, "raised above the tool's 10/min");
  assert.equal(backendCalls, 33, "denied calls never reach the backend");

  // A reloaded policy applies to the next call, against the same counter.
  policy = createPolicy({
    rules: [rule({ clients: ["key:alice"], rateLimit: { perClient: "5/min" } })],
  });
  const [more] = await admitted("alice", 4);
  assert.equal(more, 2);
});

Deno.test("a backend's 429 with Retry-After pauses every call to it until the reset", async () => {
  let throttled = true;
  const upstream = startUpstream({
    routes: {
      "/quota": () =>
        throttled
          ? (throttled = false,
            new Response("slow down", { status: 429, headers: { "retry-after": "2" } }))
          : Response.json({ ok: true }),
    },
  });
  try {
    const clock = { now: 1_800_000_000_000 };
    const limiter = limiterAt(clock);
    const snapshot = buildSnapshot([
      httpTool("a", `${upstream.url}/quota`),
      httpTool("b", `${upstream.url}/quota`),
    ], 1);
    const stages = [createLimitStage(limiter), createUpstreamStage(limiter)];
    const first = await call(snapshot, stages, { name: "a" });
    assert.ok(!(first instanceof GatewayError) && first.isError, "the 429 itself is a tool error");
    clock.now += 500;
    const paused = await call(snapshot, stages, { name: "b" });
    assert.ok(paused instanceof GatewayError);
    assert.equal(paused.code, "RATE_LIMITED");
    assert.deepEqual(paused.data, { retryAfterMs: 1500, scope: "upstream", limit: undefined });
    assert.equal(upstream.hits("/quota"), 1);
    clock.now += 1500;
    const resumed = await call(snapshot, stages, { name: "a" });
    assert.ok(!(resumed instanceof GatewayError) && !resumed.isError);
    assert.equal(upstream.hits("/quota"), 2);
  } finally {
    await upstream.close();
  }
});

Deno.test("X-RateLimit-Remaining: 0 on a success pauses the backend until its reset", async () => {
  const upstream = startUpstream({
    routes: {
      "/last": () =>
        Response.json({ ok: true }, {
          headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "30" },
        }),
    },
  });
  try {
    const clock = { now: 1_800_000_000_000 };
    const limiter = limiterAt(clock);
    const snapshot = buildSnapshot([httpTool("t", `${upstream.url}/last`)], 1);
    const stages = [createUpstreamStage(limiter)];
    assert.ok(!(await call(snapshot, stages, { name: "t" }) instanceof GatewayError));
    const paused = await call(snapshot, stages, { name: "t" });
    assert.ok(paused instanceof GatewayError && paused.data?.retryAfterMs === 30_000);
    assert.equal(upstream.hits("/last"), 1);
  } finally {
    await upstream.close();
  }
});

Deno.test("a limit whose state is unreachable fails closed with a retry hint", async () => {
  const down = () => Promise.reject(new GatewayError("UPSTREAM_UNAVAILABLE", "down"));
  const limiter = limiterAt({ now: 0 }, { decide: down, takeUpstream: down, reportUpstream: down });
  const snapshot = buildSnapshot([
    httpTool("t", "http://127.0.0.1:9/x", { rateLimit: { global: "9/sec" } }),
  ], 1);
  const denied = await call(snapshot, [createLimitStage(limiter)], { name: "t" });
  assert.ok(denied instanceof GatewayError);
  assert.equal(denied.code, "RATE_LIMITED");
  assert.match(
    denied.message,
    /Rate limit cannot be checked for tool "t": limit state unavailable/,
  );
  assert.equal(denied.data?.retryAfterMs, 1000);
});
