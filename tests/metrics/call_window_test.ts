/**
 * The overview's per-minute window: calls and errors land in their minute, percentiles come from
 * the minute's durations, the cache and limit counters' growth is booked to the minute it
 * happened in, and minutes older than the window fall out. Time is injected.
 */

import assert from "node:assert/strict";
import { createCallWindow } from "../../lib/metrics/mod.ts";

const MINUTE = 60_000;
const T0 = 1_800_000_000_000 - (1_800_000_000_000 % MINUTE);

function setup() {
  const clock = { now: T0 + 5_000 };
  const totals = { cacheHits: 0, cacheMisses: 0, limitRejections: 0 };
  const window = createCallWindow({ counters: () => ({ ...totals }), now: () => clock.now });
  return { clock, totals, window };
}

Deno.test("createCallWindow() answers 60 points, oldest first, the current minute last", () => {
  const { window } = setup();
  const points = window.points();
  assert.equal(points.length, 60);
  assert.equal(points.at(-1)!.t, T0);
  assert.equal(points[0]!.t, T0 - 59 * MINUTE);
  assert.ok(points.every((point) => point.calls === 0 && point.p50Ms === 0));
});

Deno.test("createCallWindow() counts calls, errors and percentiles per minute", () => {
  const { clock, window } = setup();
  for (let i = 1; i <= 100; i++) window.observe({ toolName: "t", outcome: "ok", durationMs: i });
  window.observe({ toolName: "t", outcome: "ok", isError: true, durationMs: 1 });
  window.observe({ toolName: "t", outcome: "RATE_LIMITED", durationMs: 1 });
  clock.now += MINUTE;
  window.observe({ toolName: "t", outcome: "ok", durationMs: 1_000 });
  const [previous, current] = window.points().slice(-2);
  assert.equal(previous!.calls, 102);
  assert.equal(previous!.errors, 2);
  assert.ok(previous!.p50Ms >= 45 && previous!.p50Ms <= 56, `p50 ${previous!.p50Ms}`);
  assert.ok(previous!.p99Ms >= 95 && previous!.p99Ms <= 110, `p99 ${previous!.p99Ms}`);
  assert.equal(current!.calls, 1);
  assert.ok(current!.p50Ms >= 1_000 && current!.p50Ms <= 1_100, `p50 ${current!.p50Ms}`);
});

Deno.test("createCallWindow() books counter growth to its minute and drops minutes past the hour", () => {
  const { clock, totals, window } = setup();
  window.observe({ toolName: "t", outcome: "ok", durationMs: 1 });
  totals.cacheHits += 3;
  totals.limitRejections += 2;
  clock.now += MINUTE;
  window.observe({ toolName: "t", outcome: "ok", durationMs: 1 });
  totals.cacheMisses += 4;
  const [previous, current] = window.points().slice(-2);
  assert.deepEqual(
    [previous!.cacheHits, previous!.cacheMisses, previous!.limitRejections],
    [3, 0, 2],
  );
  assert.deepEqual([current!.cacheHits, current!.cacheMisses, current!.limitRejections], [0, 4, 0]);
  clock.now += 60 * MINUTE;
  const later = window.points();
  assert.ok(later.every((point) => point.calls === 0), "the old minutes fell out of the window");
});
