/**
 * The contracts of the limit and cache state. Redis implements them here (Lua beside this file);
 * `lib/limits/` and `lib/cache/` implement them in memory for embedded mode, with the same
 * semantics, and put their policies (failure modes, single flight) on top of either.
 */

/** One limit a call is checked against. */
export interface LimitCheck {
  /** Counter id, unique per scope and subject: `perClient:jira_get_issue:anon:10.0.0.1`. */
  id: string;
  /** Calls admitted per window. */
  limit: number;
  /** The window's length in milliseconds. */
  windowMs: number;
}

/** The outcome of checking one call against all its limits at once. */
export interface LimitVerdict {
  /** Every limit admitted the call, and it was counted in each; otherwise it counted nowhere. */
  allowed: boolean;
  /** Index of the deciding check: the denying one with the longest wait, else the tightest. */
  index: number;
  /** Calls the deciding limit admits after this one (0 when denied). */
  remaining: number;
  /** Milliseconds until the call would be admitted; 0 when allowed. */
  retryAfterMs: number;
  /** Milliseconds until the deciding limit's count next drops. */
  resetAfterMs: number;
}

/** A backend's own quota as its response headers reported it. */
export interface UpstreamReport {
  /** Calls the backend still accepts until the reset; 0 blocks it until then. */
  remaining: number;
  /** Milliseconds until the backend's budget resets. */
  resetAfterMs: number;
}

/** Whether a backend may be called now, given what it last reported. */
export interface UpstreamVerdict {
  /** Whether the backend may be called now (it has budget left, or reported none). */
  allowed: boolean;
  /** Calls left before the backend's reset; -1 when it never reported a quota. */
  remaining: number;
  /** Milliseconds until the backend may be called again; 0 when allowed. */
  retryAfterMs: number;
}

/** Test-only clock override; production code passes nothing and the store's clock decides. */
export interface ClockOption {
  /** The time to decide at, epoch ms, instead of the store's clock. */
  now?: number;
}

/** Sliding-window counters and upstream quotas. */
export interface LimitStore {
  /**
   * Checks a call against every limit in one atomic step and counts it only if all admit it.
   * @throws GatewayError UPSTREAM_UNAVAILABLE when the backing Redis is unavailable.
   */
  decide(checks: readonly LimitCheck[], options?: ClockOption): Promise<LimitVerdict>;
  /**
   * Takes one call from a backend's reported budget, if it reported one. An in-process store
   * answers at once (a verdict, not a promise), so a call with nothing to wait for keeps none.
   * @throws GatewayError UPSTREAM_UNAVAILABLE when the backing Redis is unavailable.
   */
  takeUpstream(id: string, options?: ClockOption): UpstreamVerdict | Promise<UpstreamVerdict>;
  /**
   * Records a backend's quota report for every instance.
   * @throws GatewayError UPSTREAM_UNAVAILABLE when the backing Redis is unavailable.
   */
  reportUpstream(id: string, report: UpstreamReport, options?: ClockOption): Promise<void>;
}

/** What a cache lookup found. */
export type CacheLookup =
  | { kind: "hit"; payload: string }
  | { kind: "lead" }
  | { kind: "wait"; lockTtlMs: number };

/** How a leader ends its flight. */
export interface CacheSettlement {
  /** Published to every waiter of the entry. */
  message: string;
  /** Stored for later callers, when the outcome may be cached. */
  store?: { payload: string; ttlMs: number };
}

/** Cached values, flight locks and outcome notifications, keyed by entry id (a digest). */
export interface CacheStore {
  /**
   * True when entry ids never leave this process (the embedded store): the cache may then key an
   * entry by its canonical text instead of a digest of it.
   */
  readonly inProcess?: boolean;
  /**
   * Reads a cached payload without taking part in any flight.
   * @throws GatewayError UPSTREAM_UNAVAILABLE when the backing Redis is unavailable.
   */
  peek(id: string): Promise<string | undefined>;
  /**
   * Returns the cached payload, or takes the flight lock for `token`, or says who holds it.
   * @throws GatewayError UPSTREAM_UNAVAILABLE when the backing Redis is unavailable.
   */
  lookup(id: string, token: string, lockTtlMs: number): Promise<CacheLookup>;
  /**
   * Stores (optionally) and publishes a flight's outcome, and frees the lock if `token` holds it.
   * @throws GatewayError UPSTREAM_UNAVAILABLE when the backing Redis is unavailable.
   */
  settle(id: string, token: string, settlement: CacheSettlement): Promise<void>;
  /**
   * Extends the flight lock while `token` still holds it; returns whether it did.
   * @throws GatewayError UPSTREAM_UNAVAILABLE when the backing Redis is unavailable.
   */
  extend(id: string, token: string, lockTtlMs: number): Promise<boolean>;
  /**
   * Delivers the outcome messages of entry `id` until the returned function is called.
   * @throws GatewayError UPSTREAM_UNAVAILABLE when the backing Redis is unavailable.
   */
  subscribe(id: string, listener: (message: string) => void): Promise<() => void>;
}
