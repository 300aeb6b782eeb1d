/**
 * A circuit breaker for one upstream, pure over an injected clock: after `failures` consecutive
 * failed calls it opens and refuses calls; once the back-off has passed it lets one probe through
 * (half-open); the probe's success closes it, its failure opens it again with a doubled back-off,
 * capped. It returns decisions and never throws; the caller turns a refusal into an error.
 */

/** Where a breaker stands. */
export type BreakerState = "closed" | "open" | "half-open";

/** Options of {@linkcode createBreaker}. */
export interface BreakerOptions {
  /** Consecutive failures that open the breaker; at least 1. */
  failures: number;
  /** First back-off in milliseconds before a probe is let through. */
  resetAfterMs: number;
  /** Longest back-off in milliseconds; default 10 × `resetAfterMs`, at least `resetAfterMs`. */
  maxResetAfterMs?: number;
  /** The clock in epoch milliseconds; default `Date.now`. */
  now?: () => number;
}

/** The decision on one call: let through (maybe as the probe), or refused until `retryAfterMs`. */
export type BreakerDecision =
  | { allowed: true; probe: boolean }
  | { allowed: false; retryAfterMs: number; probing: boolean };

/** How a let-through call ended: `failure` only for a connection error, timeout or unavailability. */
export type BreakerOutcome = "success" | "failure" | "ignored";

/** A snapshot for `nexus upstreams list` and the upstream report. */
export interface BreakerSnapshot {
  /** `half-open` once the back-off has passed (the next call is the probe) or while it runs. */
  state: BreakerState;
  /** Failed calls in a row (reset by a success). */
  consecutiveFailures: number;
  /** Milliseconds until the next probe is let through, while open. */
  nextProbeInMs?: number;
}

/** One upstream's breaker. */
export interface Breaker {
  /** Decides whether a call may go to the upstream now. */
  admit(): BreakerDecision;
  /** Records how a call that `admit` let through ended; `probe` as `admit` said. */
  record(outcome: BreakerOutcome, probe: boolean): void;
  /** The breaker's state now. */
  snapshot(): BreakerSnapshot;
}

/** Creates a closed breaker. Raises nothing. */
export function createBreaker(options: BreakerOptions): Breaker {
  const now = options.now ?? Date.now;
  const threshold = Math.max(1, options.failures);
  const base = options.resetAfterMs;
  const cap = Math.max(base, options.maxResetAfterMs ?? base * 10);
  let state: BreakerState = "closed";
  let failures = 0;
  let backoff = base;
  let openUntil = 0;
  let probing = false;

  function open(at: number): void {
    state = "open";
    openUntil = at + backoff;
    probing = false;
  }

  return {
    admit() {
      if (state === "closed") return { allowed: true, probe: false };
      const at = now();
      if (state === "open" && at >= openUntil) state = "half-open";
      if (state === "half-open" && !probing) {
        probing = true;
        return { allowed: true, probe: true };
      }
      return { allowed: false, retryAfterMs: Math.max(0, openUntil - at), probing };
    },
    record(outcome, probe) {
      if (probe) {
        if (state !== "half-open" || !probing) return;
        if (outcome === "success") {
          state = "closed";
          failures = 0;
          backoff = base;
          probing = false;
        } else if (outcome === "failure") {
          failures++;
          backoff = Math.min(backoff * 2, cap);
          open(now());
        } else {
          // Why: a cancelled probe says nothing about the upstream; the next call probes again.
          probing = false;
        }
        return;
      }
      // Why only while closed: calls admitted before the breaker opened end late and must not
      // extend the back-off or close it without a probe.
      if (state !== "closed" || outcome === "ignored") return;
      if (outcome === "success") {
        failures = 0;
        return;
      }
      failures++;
      if (failures >= threshold) open(now());
    },
    snapshot() {
      const at = now();
      const shown = state === "open" && at >= openUntil ? "half-open" : state;
      return {
        state: shown,
        consecutiveFailures: failures,
        ...(shown === "open" ? { nextProbeInMs: openUntil - at } : {}),
      };
    },
  };
}
