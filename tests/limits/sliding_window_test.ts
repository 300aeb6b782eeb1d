import assert from "node:assert/strict";
import { SUB_WINDOWS } from "../../lib/limits/mod.ts";
import { decideWindows, type WindowCounter } from "../../lib/limits/sliding_window.ts";
import type { LimitCheck } from "../../lib/store/mod.ts";

const T0 = 1_800_000_000_000;

function counter(): WindowCounter {
  return { buckets: new Map(), expiresAt: 0 };
}

Deno.test("decideWindows() rejects the 11th call in a 10-per-second window", () => {
  const c = counter();
  const check: LimitCheck = { id: "x", limit: 10, windowMs: 1000 };
  for (let i = 0; i < 10; i++) {
    const verdict = decideWindows([c], [check], T0 + i);
    assert.equal(verdict.allowed, true);
    assert.equal(verdict.remaining, 9 - i);
  }
  const denied = decideWindows([c], [check], T0 + 10);
  assert.equal(denied.allowed, false);
  assert.equal(denied.retryAfterMs, 1090);
});

Deno.test("decideWindows() admits again exactly at the retry time it announced", () => {
  const c = counter();
  const check: LimitCheck = { id: "x", limit: 3, windowMs: 60_000 };
  for (const at of [0, 7000, 19_000]) assert.ok(decideWindows([c], [check], T0 + at).allowed);
  const denied = decideWindows([c], [check], T0 + 30_000);
  const retryAt = T0 + 30_000 + denied.retryAfterMs;
  assert.equal(decideWindows([c], [check], retryAt - 1).allowed, false);
  assert.equal(decideWindows([c], [check], retryAt).allowed, true);
});

Deno.test("decideWindows() never admits more than the limit in any rolling window", () => {
  const check: LimitCheck = { id: "x", limit: 20, windowMs: 10_000 };
  const g = check.windowMs / SUB_WINDOWS;
  for (const seed of [1, 2, 3, 4, 5]) {
    const c = counter();
    const random = seeded(seed);
    const admitted: number[] = [];
    const denied: number[] = [];
    let now = T0;
    for (let i = 0; i < 2000; i++) {
      now += Math.floor(random() ** 3 * 600); // bursts and pauses
      (decideWindows([c], [check], now).allowed ? admitted : denied).push(now);
    }
    for (const t of admitted) {
      const inWindow = admitted.filter((a) => a > t - check.windowMs && a <= t).length;
      assert.ok(
        inWindow <= check.limit,
        `seed ${seed}: ${inWindow} calls in the window ending ${t}`,
      );
    }
    // Error bound: a call is denied only when the limit was reached within window + one
    // sub-window, i.e. a slot frees at most windowMs / SUB_WINDOWS late.
    for (const t of denied) {
      const recent = admitted.filter((a) => a > t - check.windowMs - g && a <= t).length;
      assert.ok(recent >= check.limit, `seed ${seed}: denied at ${t} with ${recent} recent calls`);
    }
    assert.ok(denied.length > 100, "the limit was exercised");
  }
});

Deno.test("decideWindows() reports the longest wait among the limits that deny", () => {
  const a = counter();
  const b = counter();
  const perSecond: LimitCheck = { id: "a", limit: 1, windowMs: 1000 };
  const perMinute: LimitCheck = { id: "b", limit: 1, windowMs: 60_000 };
  assert.ok(decideWindows([a, b], [perSecond, perMinute], T0).allowed);
  const denied = decideWindows([a, b], [perSecond, perMinute], T0 + 1);
  assert.equal(denied.index, 1);
  assert.equal(denied.retryAfterMs, 66_000 - 1);
});

Deno.test("decideWindows() drops sub-windows that left the window", () => {
  const c = counter();
  const check: LimitCheck = { id: "x", limit: 1000, windowMs: 1000 };
  for (let i = 0; i < 100; i++) decideWindows([c], [check], T0 + i * 50);
  assert.ok(c.buckets.size <= SUB_WINDOWS + 1, `${c.buckets.size} sub-windows kept`);
  assert.ok(c.expiresAt <= T0 + 99 * 50 + 1100);
});

function seeded(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}
