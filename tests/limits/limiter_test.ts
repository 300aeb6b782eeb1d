import assert from "node:assert/strict";
import { GatewayError } from "../../lib/errors.ts";
import {
  createMemoryLimitStore,
  createRateLimiter,
  type LimitedCall,
} from "../../lib/limits/mod.ts";
import { FAULT_RETRY_MS } from "../../lib/limits/limiter.ts";
import { createLogger } from "../../lib/log.ts";
import type { LimitStore } from "../../lib/store/mod.ts";

const T0 = 1_800_000_000_000;
const call: LimitedCall = { tool: "jira", client: "anon:10.0.0.1", limits: { perClient: "2/min" } };

function recordingLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ level: "debug", sink: (line) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

/** A store whose Redis is down until `up` is set. */
function flakyStore(inner: LimitStore, state: { up: boolean }): LimitStore {
  const down = () => Promise.reject(new GatewayError("UPSTREAM_UNAVAILABLE", "Redis is down"));
  return {
    decide: (checks, clock) => state.up ? inner.decide(checks, clock) : down(),
    takeUpstream: (id, clock) => state.up ? inner.takeUpstream(id, clock) : down(),
    reportUpstream: (id, report, clock) =>
      state.up ? inner.reportUpstream(id, report, clock) : down(),
  };
}

Deno.test("check() denies the call over a limit with retryAfterMs and the limit's name", async () => {
  let now = T0;
  const limiter = createRateLimiter({
    store: createMemoryLimitStore({ now: () => now }),
    logger: recordingLogger().logger,
    now: () => now,
  });
  assert.equal((await limiter.check(call)).remaining, 1);
  assert.equal((await limiter.check(call)).remaining, 0);
  now += 1000;
  const denied = await limiter.check(call);
  assert.equal(denied.allowed, false);
  assert.deepEqual(denied.limit, { scope: "perClient", rate: "2/min" });
  assert.equal(denied.retryAfterMs, 66_000 - 1000);
  assert.equal(denied.resetAt, now + 65_000);
  assert.deepEqual(limiter.counters(), {
    allowed: 2,
    denied: 1,
    upstreamDenied: 0,
    upstreamReports: 0,
    failedOpen: 0,
    failedClosed: 0,
    fallbacks: 0,
  });
});

Deno.test("check() asks the store nothing for a call no limit applies to", async () => {
  let asked = 0;
  const store = createMemoryLimitStore();
  const limiter = createRateLimiter({
    store: { ...store, decide: (c, o) => (asked++, store.decide(c, o)) },
    logger: recordingLogger().logger,
  });
  const decided = limiter.check({ tool: "free", client: "c" });
  // Why it matters: a decision made at once lets the limit stage hand the call on without a
  // promise layer kept for the whole call (heap per call in flight).
  assert.ok(!(decided instanceof Promise), "decided at once, not a promise");
  const decision = await decided;
  assert.equal(decision.allowed, true);
  assert.equal(decision.remaining, Number.POSITIVE_INFINITY);
  assert.equal(asked, 0);
  assert.ok(!(limiter.admit({ client: "c" }) instanceof Promise), "no budget: admitted at once");
});

Deno.test("checkUpstream() decides at once over the in-process store, and waits on a remote one", async () => {
  const store = createMemoryLimitStore();
  const local = createRateLimiter({ store, logger: recordingLogger().logger });
  const decided = local.checkUpstream("https://h");
  assert.ok(!(decided instanceof Promise), "in-process store: decided at once");
  assert.equal(decided.allowed, true);
  const remote = createRateLimiter({
    store: {
      ...store,
      takeUpstream: (id, clock) => Promise.resolve(store.takeUpstream(id, clock)),
    },
    logger: recordingLogger().logger,
  });
  const waited = remote.checkUpstream("https://h");
  assert.ok(waited instanceof Promise, "a store answering later: a promise");
  assert.equal((await waited).allowed, true);
});

Deno.test("check() fails closed by default while the store is down, logging once", async () => {
  const state = { up: false };
  const { logger, lines } = recordingLogger();
  const limiter = createRateLimiter({
    store: flakyStore(createMemoryLimitStore(), state),
    logger,
  });
  for (let i = 0; i < 5; i++) {
    const decision = await limiter.check(call);
    assert.equal(decision.allowed, false);
    assert.equal(decision.fallback, "closed");
    assert.equal(decision.retryAfterMs, FAULT_RETRY_MS);
  }
  state.up = true;
  assert.equal((await limiter.check(call)).allowed, true);
  state.up = false;
  await limiter.check(call);
  const warnings = lines.filter((l) => l.msg === "Redis unavailable: falling back");
  const recoveries = lines.filter((l) => l.msg === "Redis available again");
  assert.equal(warnings.length, 2, "one warning per outage");
  assert.deepEqual(recoveries.map((l) => l.fallbacks), [5]);
  assert.equal(limiter.counters().failedClosed, 6);
  assert.equal(limiter.counters().fallbacks, 6);
});

Deno.test("check() fails open for the scopes configured so, closed if any other applies", async () => {
  const limiter = createRateLimiter({
    store: flakyStore(createMemoryLimitStore(), { up: false }),
    logger: recordingLogger().logger,
    failOpen: ["perHost", "perClient"],
  });
  const open = await limiter.check({ ...call, host: "https://h", limits: { perHost: "1/sec" } });
  assert.equal(open.allowed, true);
  assert.equal(open.fallback, "open");
  const mixed = await limiter.check({ ...call, limits: { perClient: "1/sec", global: "9/sec" } });
  assert.equal(mixed.allowed, false);
  assert.deepEqual(mixed.limit, { scope: "global", rate: "9/sec" });
  assert.equal(limiter.counters().failedOpen, 1);
  assert.equal(limiter.counters().failedClosed, 1);
});

Deno.test("checkUpstream() holds calls while a backend's pause lasts, and fails open", async () => {
  let now = T0;
  const state = { up: true };
  const limiter = createRateLimiter({
    store: flakyStore(createMemoryLimitStore({ now: () => now }), state),
    logger: recordingLogger().logger,
    now: () => now,
  });
  await limiter.reportUpstream("https://h", { remaining: 0, resetAfterMs: 2000 });
  const held = await limiter.checkUpstream("https://h");
  assert.deepEqual([held.allowed, held.retryAfterMs, held.limit?.scope], [false, 2000, "upstream"]);
  now += 2000;
  assert.equal((await limiter.checkUpstream("https://h")).allowed, true);
  state.up = false;
  const unchecked = await limiter.checkUpstream("https://h");
  assert.deepEqual([unchecked.allowed, unchecked.fallback], [true, "open"]);
});
