/**
 * Embedded mode's limit state: the same sliding windows and upstream quota rules as the Redis
 * scripts, in this process's memory, bounded by the window (expired counters are swept).
 */

import type { ClockOption, LimitStore, UpstreamReport, UpstreamVerdict } from "../store/mod.ts";
import { decideWindows, SUB_WINDOWS, type WindowCounter } from "./sliding_window.ts";

/** Reports of one window within this many ms of each other are the same window. */
const SAME_WINDOW_MS = 1000;
/** Decisions between sweeps of expired counters. */
const SWEEP_EVERY = 1024;

interface Quota {
  remaining: number;
  reset: number;
}

/** In-process limit state; raises nothing. `now` is injectable for tests. */
export function createMemoryLimitStore(
  options: { now?: () => number; subWindows?: number } = {},
): LimitStore {
  const now = options.now ?? Date.now;
  const subWindows = options.subWindows ?? SUB_WINDOWS;
  const counters = new Map<string, WindowCounter>();
  const quotas = new Map<string, Quota>();
  let decisions = 0;
  function sweep(at: number): void {
    for (const [id, counter] of counters) if (counter.expiresAt <= at) counters.delete(id);
    for (const [id, quota] of quotas) if (quota.reset <= at) quotas.delete(id);
  }
  function counterOf(id: string): WindowCounter {
    let counter = counters.get(id);
    if (!counter) counters.set(id, counter = { buckets: new Map(), expiresAt: 0 });
    return counter;
  }
  return {
    decide(checks, clock?: ClockOption) {
      const at = clock?.now ?? now();
      if (++decisions % SWEEP_EVERY === 0) sweep(at);
      const verdict = decideWindows(checks.map((c) => counterOf(c.id)), checks, at, subWindows);
      return Promise.resolve(verdict);
    },
    // Why a verdict and not a promise: the upstream stage then hands the call on at once and
    // keeps no promise layer for the whole call (heap per call in flight).
    takeUpstream(id, clock?: ClockOption): UpstreamVerdict {
      const at = clock?.now ?? now();
      const quota = quotas.get(id);
      if (!quota || quota.reset <= at) {
        quotas.delete(id);
        return { allowed: true, remaining: -1, retryAfterMs: 0 };
      }
      if (quota.remaining <= 0) {
        return { allowed: false, remaining: 0, retryAfterMs: quota.reset - at };
      }
      quota.remaining--;
      return { allowed: true, remaining: quota.remaining, retryAfterMs: 0 };
    },
    reportUpstream(id, report: UpstreamReport, clock?: ClockOption) {
      const at = clock?.now ?? now();
      const next = { remaining: report.remaining, reset: at + report.resetAfterMs };
      if (keepsStored(quotas.get(id), next, at)) return Promise.resolve();
      quotas.set(id, next);
      return Promise.resolve();
    },
  };
}

/** The rules of `upstream_report.lua`: a standing block is not lifted early; lowest count wins. */
function keepsStored(stored: Quota | undefined, next: Quota, at: number): boolean {
  if (!stored || stored.reset <= at) return false;
  if (stored.remaining <= 0 && (next.remaining > 0 || next.reset <= stored.reset)) return true;
  return Math.abs(next.reset - stored.reset) <= SAME_WINDOW_MS &&
    next.remaining > stored.remaining;
}
