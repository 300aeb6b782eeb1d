/**
 * The rate limiter: which limits apply to a call, one store decision for all of them, and what
 * happens when the store (Redis) fails: per scope, fail closed (deny; the default, since limits
 * protect callers and backends) or fail open (admit uncounted). It returns decisions, never throws.
 */

import type { Logger } from "../log.ts";
import {
  createFaultTracker,
  type LimitStore,
  type UpstreamReport,
  type UpstreamVerdict,
} from "../store/mod.ts";
import {
  admissionLimits,
  type AdmittedCall,
  type AppliedLimit,
  appliedLimits,
  type LimitedCall,
  type LimitScope,
  type LimitSpec,
} from "./rates.ts";

/** Retry hint when a limit failed closed because its state is unreachable. */
export const FAULT_RETRY_MS = 1000;

/** Whether a call may proceed, and when to retry if not (upstash/ratelimit-js shape). */
export interface LimitDecision {
  /** `true`: the call may proceed (and was counted, unless the store failed open). */
  allowed: boolean;
  /** Calls the deciding limit admits after this one; Infinity when no limit applies. */
  remaining: number;
  /** When the deciding limit's count next drops (epoch ms, this instance's clock). */
  resetAt: number;
  /** 0 when allowed. */
  retryAfterMs: number;
  /** The limit that decided: a scope and its rate, or `upstream` for a backend's own quota. */
  limit?: { scope: LimitScope | "upstream"; rate?: string };
  /** Set when the store failed and the failure policy decided. */
  fallback?: "open" | "closed";
}

/** Counts since start, for metrics. */
export interface LimitCounters {
  /** Calls a store decision admitted (calls no limit applied to are not counted). */
  allowed: number;
  /** Calls a store decision denied. */
  denied: number;
  /** Calls denied because a backend's reported quota was exhausted. */
  upstreamDenied: number;
  /** Quota reports received from backends' responses. */
  upstreamReports: number;
  /** Decisions answered by admitting uncounted because the store failed. */
  failedOpen: number;
  /** Decisions answered by denying because the store failed. */
  failedClosed: number;
  /** Store failures the failure policy answered (each logged once per outage). */
  fallbacks: number;
}

/** Options of {@linkcode createRateLimiter}. */
export interface RateLimiterOptions {
  /** Where the counters live: Redis, or this process in embedded mode. */
  store: LimitStore;
  /** Receives a warning when the store fails (once per outage) and a note when it recovers. */
  logger: Logger;
  /**
   * Gateway-wide defaults (`rateLimits` in nexus.yaml): `perClient` and `global` are the budgets
   * {@linkcode RateLimiter.admit} spends (a caller's `overrides` replace `perClient`); the other
   * scopes are defaults a tool's own limits replace.
   */
  defaults?: LimitSpec;
  /** Scopes that admit calls when the store is unavailable; every other scope denies them. */
  failOpen?: readonly LimitScope[];
  /** This instance's clock, only for `resetAt`; decisions use the store's clock. */
  now?: () => number;
}

/**
 * A decision made at once (no limit applies, or the in-process store answered) or one to wait for
 * (a store round trip). Why not always a promise: a call that waits for nothing then keeps no
 * promise layer for its whole life (heap per call in flight); `await` reads both.
 */
export type Decided = LimitDecision | Promise<LimitDecision>;

/** Checks calls against their limits and backends' quotas. */
export interface RateLimiter {
  /**
   * Spends a call from its client's and the gateway's budgets, before its tool is looked up
   * (no round trip, and a decision at once, when neither is set).
   */
  admit(call: AdmittedCall): Decided;
  /**
   * Decides a call whose tool is known against the tool's limits and the tool-scope defaults
   * (no round trip, and a decision at once, when none applies).
   */
  check(call: LimitedCall): Decided;
  /**
   * Takes one call from backend `upstream`'s reported quota (at once from the in-process store);
   * fails open; raises nothing.
   */
  checkUpstream(upstream: string): Decided;
  /** Records what backend `upstream` said about its quota, for every instance; raises nothing. */
  reportUpstream(upstream: string, report: UpstreamReport): Promise<void>;
  /** Counts since start; a fresh copy on each call. */
  counters(): Readonly<LimitCounters>;
  /** Calls denied since start by the scope of the limit that denied them; a fresh copy. */
  rejections(): Readonly<Record<string, number>>;
}

/** Creates a limiter over `store`; raises nothing. */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const { store } = options;
  const defaults = options.defaults ?? {};
  const failOpen = new Set(options.failOpen ?? []);
  const now = options.now ?? Date.now;
  const faults = createFaultTracker(options.logger, "limits");
  const counters: Omit<LimitCounters, "fallbacks"> = {
    allowed: 0,
    denied: 0,
    upstreamDenied: 0,
    upstreamReports: 0,
    failedOpen: 0,
    failedClosed: 0,
  };
  const rejected = new Map<string, number>();
  function reject(scope: string): void {
    rejected.set(scope, (rejected.get(scope) ?? 0) + 1);
  }
  const unlimited = (): LimitDecision => ({
    allowed: true,
    remaining: Number.POSITIVE_INFINITY,
    resetAt: now(),
    retryAfterMs: 0,
  });

  function decide(applied: AppliedLimit[]): Decided {
    return applied.length === 0 ? unlimited() : decideInStore(applied);
  }

  async function decideInStore(applied: AppliedLimit[]): Promise<LimitDecision> {
    try {
      const verdict = await store.decide(applied);
      faults.succeeded();
      const decided = applied[verdict.index] ?? applied[0]!;
      verdict.allowed ? counters.allowed++ : counters.denied++;
      if (!verdict.allowed) reject(decided.scope);
      return {
        allowed: verdict.allowed,
        remaining: verdict.remaining,
        resetAt: now() + verdict.resetAfterMs,
        retryAfterMs: verdict.retryAfterMs,
        limit: { scope: decided.scope, rate: decided.rate },
      };
    } catch (error) {
      return onFault(applied, error);
    }
  }

  function onFault(applied: AppliedLimit[], error: unknown): LimitDecision {
    const closed = applied.find((limit) => !failOpen.has(limit.scope));
    if (closed === undefined) {
      counters.failedOpen++;
      faults.fallback(error, "limits fail open: calls admitted uncounted");
      return { ...unlimited(), fallback: "open" };
    }
    counters.failedClosed++;
    reject(closed.scope);
    faults.fallback(error, "limits fail closed: calls denied");
    return {
      allowed: false,
      remaining: 0,
      resetAt: now() + FAULT_RETRY_MS,
      retryAfterMs: FAULT_RETRY_MS,
      limit: { scope: closed.scope, rate: closed.rate },
      fallback: "closed",
    };
  }

  function upstreamDecision(verdict: UpstreamVerdict): LimitDecision {
    faults.succeeded();
    if (verdict.allowed) return { ...unlimited(), remaining: verdict.remaining };
    counters.upstreamDenied++;
    reject("upstream");
    return {
      allowed: false,
      remaining: 0,
      resetAt: now() + verdict.retryAfterMs,
      retryAfterMs: verdict.retryAfterMs,
      limit: { scope: "upstream" },
    };
  }

  function upstreamUnchecked(error: unknown): LimitDecision {
    // Why: a backend's own quota is advisory (the backend still enforces it), so an unreachable
    // store never blocks calls on its account.
    faults.fallback(error, "upstream quotas not checked");
    return { ...unlimited(), fallback: "open" };
  }

  return {
    admit: (call) => decide(admissionLimits(call, defaults)),
    check: (call) => decide(appliedLimits(call, defaults)),
    checkUpstream(upstream) {
      let verdict: ReturnType<LimitStore["takeUpstream"]>;
      try {
        verdict = store.takeUpstream(upstream);
      } catch (error) {
        return upstreamUnchecked(error);
      }
      return verdict instanceof Promise
        ? verdict.then(upstreamDecision, upstreamUnchecked)
        : upstreamDecision(verdict);
    },
    async reportUpstream(upstream, report) {
      counters.upstreamReports++;
      try {
        await store.reportUpstream(upstream, report);
        faults.succeeded();
      } catch (error) {
        faults.fallback(error, "upstream quota report dropped");
      }
    },
    counters: () => ({ ...counters, fallbacks: faults.fallbacks() }),
    rejections: () => Object.fromEntries(rejected),
  };
}
