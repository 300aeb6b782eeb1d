/**
 * The sliding-window decision in TypeScript, for embedded mode: the twin of
 * `lib/store/redis/sliding_window.lua`, step for step, so both modes admit exactly the same calls.
 * Algorithm and error bound: `lib/limits/README.md`.
 */

import type { LimitCheck, LimitVerdict } from "../store/mod.ts";

/** Sub-windows per window: a slot frees at most 1/SUB_WINDOWS of a window late. */
export const SUB_WINDOWS = 10;

/** One limit's counters: calls admitted per sub-window index. */
export interface WindowCounter {
  /** Calls admitted, keyed by sub-window index (time divided by the sub-window length). */
  buckets: Map<number, number>;
  /** When every counted sub-window has dropped out (ms); the counter may then be deleted. */
  expiresAt: number;
}

interface Loaded {
  total: number;
  /** [index, count], oldest first. */
  buckets: [number, number][];
  g: number;
  current: number;
  limit: number;
}

/**
 * Decides `checks` against their `counters` at `now`: counts the call in every counter when all
 * admit it, else in none. Raises nothing.
 */
export function decideWindows(
  counters: readonly WindowCounter[],
  checks: readonly LimitCheck[],
  now: number,
  subWindows = SUB_WINDOWS,
): LimitVerdict {
  const loaded = checks.map((check, i) => load(counters[i]!, check, now, subWindows));
  let denied = -1;
  let deniedWait = -1;
  loaded.forEach((state, i) => {
    if (state.total + 1 <= state.limit) return;
    const wait = waitFor(state, now, subWindows);
    const bounded = wait < 0 ? checks[i]!.windowMs : wait;
    if (bounded > deniedWait) [denied, deniedWait] = [i, bounded];
  });
  if (denied >= 0) {
    const state = loaded[denied]!;
    return {
      allowed: false,
      index: denied,
      remaining: 0,
      retryAfterMs: deniedWait,
      resetAfterMs: resetAfter(state, now, subWindows),
    };
  }
  let tightest = 0;
  let fewest = -1;
  loaded.forEach((state, i) => {
    const counter = counters[i]!;
    counter.buckets.set(state.current, (counter.buckets.get(state.current) ?? 0) + 1);
    counter.expiresAt = now + (subWindows + 1) * state.g;
    state.buckets.push([state.current, 1]);
    const left = state.limit - state.total - 1;
    if (fewest < 0 || left < fewest) [tightest, fewest] = [i, left];
  });
  const state = loaded[tightest]!;
  state.buckets.sort((a, b) => a[0] - b[0]);
  return {
    allowed: true,
    index: tightest,
    remaining: fewest,
    retryAfterMs: 0,
    resetAfterMs: resetAfter(state, now, subWindows),
  };
}

function load(counter: WindowCounter, check: LimitCheck, now: number, subWindows: number): Loaded {
  const g = Math.ceil(check.windowMs / subWindows);
  const current = Math.floor(now / g);
  const oldest = current - subWindows;
  const buckets: [number, number][] = [];
  let total = 0;
  for (const [index, count] of counter.buckets) {
    if (index < oldest) {
      counter.buckets.delete(index);
      continue;
    }
    buckets.push([index, count]);
    total += count;
  }
  buckets.sort((a, b) => a[0] - b[0]);
  return { total, buckets, g, current, limit: check.limit };
}

/** Milliseconds until enough old sub-windows drop out for one more call; -1 if it never fits. */
function waitFor(state: Loaded, now: number, subWindows: number): number {
  if (state.limit < 1) return -1;
  let freed = 0;
  for (const [index, count] of state.buckets) {
    freed += count;
    if (state.total - freed + 1 <= state.limit) return (index + subWindows + 1) * state.g - now;
  }
  return 0;
}

function resetAfter(state: Loaded, now: number, subWindows: number): number {
  const index = state.buckets[0]?.[0] ?? state.current;
  return (index + subWindows + 1) * state.g - now;
}
