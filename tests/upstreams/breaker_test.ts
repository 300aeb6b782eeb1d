/**
 * `createBreaker()` over an injected clock: opens after N consecutive failures, fails fast while
 * open, lets one probe through once the back-off passed, closes on the probe's success, and grows
 * the back-off (capped) after each failed probe.
 */

import assert from "node:assert/strict";
import { type Breaker, createBreaker } from "../../lib/upstreams/mod.ts";

function clocked(options: { failures?: number; resetAfterMs?: number; maxResetAfterMs?: number }) {
  let now = 1_000_000;
  const breaker = createBreaker({
    failures: options.failures ?? 3,
    resetAfterMs: options.resetAfterMs ?? 10_000,
    ...(options.maxResetAfterMs ? { maxResetAfterMs: options.maxResetAfterMs } : {}),
    now: () => now,
  });
  return { breaker, advance: (ms: number) => void (now += ms) };
}

function fail(breaker: Breaker, times: number): void {
  for (let i = 0; i < times; i++) {
    const decision = breaker.admit();
    assert.ok(decision.allowed);
    breaker.record("failure", decision.probe);
  }
}

Deno.test("the breaker opens after N consecutive failures and fails fast while open", () => {
  const { breaker, advance } = clocked({ failures: 3, resetAfterMs: 10_000 });
  fail(breaker, 2);
  assert.deepEqual(breaker.snapshot(), { state: "closed", consecutiveFailures: 2 });
  fail(breaker, 1);
  assert.deepEqual(breaker.snapshot(), {
    state: "open",
    consecutiveFailures: 3,
    nextProbeInMs: 10_000,
  });
  advance(4_000);
  assert.deepEqual(breaker.admit(), { allowed: false, retryAfterMs: 6_000, probing: false });
  assert.deepEqual(breaker.admit(), { allowed: false, retryAfterMs: 6_000, probing: false });
});

Deno.test("a success in between resets the count: only consecutive failures open it", () => {
  const { breaker } = clocked({ failures: 3 });
  fail(breaker, 2);
  breaker.record("success", false);
  fail(breaker, 2);
  breaker.record("ignored", false);
  assert.deepEqual(breaker.snapshot(), { state: "closed", consecutiveFailures: 2 });
  assert.ok(breaker.admit().allowed);
});

Deno.test("after the back-off exactly one probe is let through (half-open)", () => {
  const { breaker, advance } = clocked({ failures: 1, resetAfterMs: 10_000 });
  fail(breaker, 1);
  advance(10_000);
  assert.equal(breaker.snapshot().state, "half-open");
  assert.deepEqual(breaker.admit(), { allowed: true, probe: true });
  assert.deepEqual(breaker.admit(), { allowed: false, retryAfterMs: 0, probing: true });
  assert.equal(breaker.snapshot().state, "half-open");
});

Deno.test("the probe's success closes the breaker and resets the back-off", () => {
  const { breaker, advance } = clocked({ failures: 1, resetAfterMs: 10_000 });
  fail(breaker, 1);
  advance(10_000);
  const probe = breaker.admit();
  assert.deepEqual(probe, { allowed: true, probe: true });
  breaker.record("success", true);
  assert.deepEqual(breaker.snapshot(), { state: "closed", consecutiveFailures: 0 });
  assert.deepEqual(breaker.admit(), { allowed: true, probe: false });
  fail(breaker, 1);
  assert.equal(breaker.snapshot().nextProbeInMs, 10_000, "back to the first back-off");
});

Deno.test("a failed probe re-opens with a doubled back-off, capped", () => {
  const { breaker, advance } = clocked({
    failures: 1,
    resetAfterMs: 10_000,
    maxResetAfterMs: 35_000,
  });
  fail(breaker, 1);
  const backoffs: number[] = [breaker.snapshot().nextProbeInMs!];
  for (let i = 0; i < 3; i++) {
    advance(backoffs.at(-1)!);
    fail(breaker, 1);
    assert.equal(breaker.snapshot().state, "open");
    backoffs.push(breaker.snapshot().nextProbeInMs!);
  }
  assert.deepEqual(backoffs, [10_000, 20_000, 35_000, 35_000]);
});

Deno.test("a cancelled probe lets the next call probe; late results while open change nothing", () => {
  const { breaker, advance } = clocked({ failures: 2, resetAfterMs: 10_000 });
  const early = breaker.admit();
  fail(breaker, 2);
  assert.ok(early.allowed);
  breaker.record("success", early.probe);
  assert.equal(breaker.snapshot().state, "open", "a call admitted before opening cannot close it");
  advance(10_000);
  assert.deepEqual(breaker.admit(), { allowed: true, probe: true });
  breaker.record("ignored", true);
  assert.deepEqual(breaker.admit(), { allowed: true, probe: true });
});
