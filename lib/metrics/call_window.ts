/**
 * The last hour of calls, a point per minute, kept in memory for the admin overview: calls,
 * errors (every outcome but `ok`, tool errors included), duration p50 and p99, and the cache and
 * limit counters' growth over the minute. Fed by the same finished calls as `/metrics`.
 */

import type { FinishedCall } from "./call_metrics.ts";

/** Counters read from elsewhere (the cache and the limiter), cumulative since start. */
export interface WindowCounters {
  /** Calls answered from the response cache. */
  cacheHits: number;
  /** Cache lookups that ran the call. */
  cacheMisses: number;
  /** Calls refused by a rate limit. */
  limitRejections: number;
}

/** One minute of the window. */
export interface WindowPoint extends WindowCounters {
  /** Start of the minute, epoch ms. */
  t: number;
  /** Finished tool calls. */
  calls: number;
  /** Calls whose outcome was not `ok` (tool errors included). */
  errors: number;
  /** Median call duration (upper bound of its histogram bucket, ~10 %); 0 without calls. */
  p50Ms: number;
  /** 99th percentile call duration, as `p50Ms`. */
  p99Ms: number;
}

/** The per-minute window. */
export interface CallWindow {
  /** Counts one finished call in the current minute; never throws. */
  observe(record: FinishedCall): void;
  /** The last `minutes` minutes, oldest first, the current (partial) minute last. */
  points(): WindowPoint[];
  /** How many minutes the window holds. */
  readonly minutes: number;
}

interface Minute {
  start: number;
  calls: number;
  errors: number;
  buckets: number[];
  counters: WindowCounters;
}

const MINUTE_MS = 60_000;
// Why log buckets: two percentiles of every minute, in bounded memory; 10 % growth from 0.05 ms
// reaches past 10 minutes in 160 buckets.
const GROWTH = 1.1;
const FIRST_BOUND_MS = 0.05;
const BUCKETS = 160;
const ZERO: WindowCounters = { cacheHits: 0, cacheMisses: 0, limitRejections: 0 };

/** Creates the window. Raises nothing. */
export function createCallWindow(
  options: { counters: () => WindowCounters; minutes?: number; now?: () => number },
): CallWindow {
  const minutes = options.minutes ?? 60;
  const now = options.now ?? Date.now;
  const kept: Minute[] = [];
  let snapshot = options.counters();

  /** The current minute's record; closing the last one books the counters' growth to it. */
  function current(): Minute {
    const start = Math.floor(now() / MINUTE_MS) * MINUTE_MS;
    const last = kept.at(-1);
    if (last?.start === start) return last;
    if (last !== undefined) last.counters = grown();
    const minute: Minute = { start, calls: 0, errors: 0, buckets: [], counters: ZERO };
    kept.push(minute);
    while (kept.length > 0 && kept[0]!.start <= start - minutes * MINUTE_MS) kept.shift();
    return minute;
  }

  function grown(): WindowCounters {
    const totals = options.counters();
    const delta = {
      cacheHits: totals.cacheHits - snapshot.cacheHits,
      cacheMisses: totals.cacheMisses - snapshot.cacheMisses,
      limitRejections: totals.limitRejections - snapshot.limitRejections,
    };
    snapshot = totals;
    return delta;
  }

  return {
    minutes,
    observe(record) {
      const minute = current();
      minute.calls++;
      if (record.outcome !== "ok" || record.isError === true) minute.errors++;
      const slot = bucketOf(record.durationMs);
      minute.buckets[slot] = (minute.buckets[slot] ?? 0) + 1;
    },
    points() {
      const live = current();
      const totals = options.counters();
      const byStart = new Map(kept.map((minute) => [minute.start, minute]));
      return Array.from({ length: minutes }, (_, i) => {
        const t = live.start - (minutes - 1 - i) * MINUTE_MS;
        const minute = byStart.get(t);
        const counters = minute === live
          ? {
            cacheHits: totals.cacheHits - snapshot.cacheHits,
            cacheMisses: totals.cacheMisses - snapshot.cacheMisses,
            limitRejections: totals.limitRejections - snapshot.limitRejections,
          }
          : minute?.counters ?? ZERO;
        return {
          t,
          calls: minute?.calls ?? 0,
          errors: minute?.errors ?? 0,
          p50Ms: minute ? percentile(minute, 0.5) : 0,
          p99Ms: minute ? percentile(minute, 0.99) : 0,
          ...counters,
        };
      });
    },
  };
}

function bucketOf(durationMs: number): number {
  if (!(durationMs > FIRST_BOUND_MS)) return 0;
  const slot = Math.ceil(Math.log(durationMs / FIRST_BOUND_MS) / Math.log(GROWTH));
  return Math.min(slot, BUCKETS - 1);
}

function percentile(minute: Minute, q: number): number {
  if (minute.calls === 0) return 0;
  const rank = Math.ceil(q * minute.calls);
  let seen = 0;
  for (let slot = 0; slot < minute.buckets.length; slot++) {
    seen += minute.buckets[slot] ?? 0;
    if (seen >= rank) return Math.round(FIRST_BOUND_MS * GROWTH ** slot * 1000) / 1000;
  }
  return 0;
}
