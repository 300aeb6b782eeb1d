/**
 * The response cache with single flight, over Redis or in-process state alike: a hit is served
 * from the store; on a miss one caller (the leader, holding a lock it keeps alive) runs the call
 * while identical callers on any instance wait for its outcome on the entry's channel. Waiting is
 * bounded by the tool's timeout, and a waiter takes over when the leader's lock expires. Any store
 * fault bypasses the cache: the call runs as if uncached. Protocol: lib/cache/README.md.
 */

import { GatewayError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { ToolResult } from "../registry/mod.ts";
import { setSharedTimeout } from "../shared_timeout.ts";
import { type CacheSettlement, type CacheStore, createFaultTracker } from "../store/mod.ts";
import { cacheKeyOfCanonical, plainCacheKey } from "./cache_key.ts";
import { createMailbox, type Mailbox } from "./mailbox.ts";
import { ABANDONED, decodeOutcome, encodeOutcome, type Outcome, UNCACHEABLE } from "./payload.ts";

/** Default flight-lock ttl; the leader extends it every third of it while it runs. */
export const DEFAULT_LOCK_TTL_MS = 5000;
/** Default bound on one cached payload. */
export const DEFAULT_MAX_VALUE_BYTES = 256 * 1024;

/** Where a served result came from. */
export type CacheSource = "hit" | "leader" | "coalesced" | "bypass";

/** One call through the cache. */
export interface CacheRequest {
  /** The entry key (`keyOf`). */
  key: string;
  /** How long a result is kept, in milliseconds: the tool's `cache.ttl`. */
  ttlMs: number;
  /** The longest this call waits for an identical call in flight: the tool's timeout. */
  timeoutMs: number;
  /** The client's cancellation; aborting it ends the wait with `CANCELLED`. */
  signal: AbortSignal;
}

/** Counts since start, for metrics and the audit log. */
export interface CacheCounters {
  /** Calls answered from a stored outcome. */
  hits: number;
  /** Flights led: misses that ran the call. */
  misses: number;
  /** Calls answered by another call's flight. */
  coalesced: number;
  /** Waiters that took over a flight whose leader stopped extending its lock. */
  takeovers: number;
  /** Outcomes written to the store (results, and errors when `errorTtlMs` allows). */
  stored: number;
  /** Outcomes larger than the value limit: neither stored nor shared. */
  tooLarge: number;
  /** Calls that ran uncached because the store failed (each outage logged once). */
  bypassed: number;
}

/** Options of {@linkcode createResponseCache}. */
export interface ResponseCacheOptions {
  /** Where entries, flight locks and outcome channels live: Redis or this process. */
  store: CacheStore;
  /** Receives a warning when the store fails (once per outage) and a note when it recovers. */
  logger: Logger;
  /** Largest payload stored or shared, in bytes of JSON text; default 256 KiB. */
  maxValueBytes?: number;
  /** Ttl for error outcomes the backend gave definitively (404…); 0 caches no errors. */
  errorTtlMs?: number;
  /** Flight-lock ttl in milliseconds, extended while the leader runs; default 5000. */
  lockTtlMs?: number;
}

/** The response cache. */
export interface ResponseCache {
  /** Reads a cached outcome without joining a flight; undefined on a miss or a fault. */
  peek(key: string): Promise<Outcome | undefined>;
  /**
   * Serves one call: `peeked` (a prior `peek`) or a stored outcome, else the outcome of the one
   * flight for this key, run by `load` when this caller leads.
   * @throws the outcome's error (a cached or shared one, or what `load` throws); GatewayError
   *   UPSTREAM_TIMEOUT when the flight outlasts `timeoutMs`; CANCELLED when `signal` aborts.
   */
  serve(
    request: CacheRequest,
    load: () => Promise<ToolResult>,
    peeked?: Outcome,
  ): Promise<{ result: ToolResult; source: CacheSource }>;
  /** Counts since start, plus `fallbacks`: store faults the cache bypassed. */
  counters(): Readonly<CacheCounters & { fallbacks: number }>;
  /**
   * The entry key of a call of `tool` in `scope` whose arguments are `argsText`
   * (`canonicalJson(args)`): a digest for a shared store, the text itself when short for an
   * in-process one. Raises nothing.
   */
  keyOf(tool: string, scope: string, argsText: string): string;
}

const encoder = new TextEncoder();

/** Creates a response cache over `store`; raises nothing. */
export function createResponseCache(options: ResponseCacheOptions): ResponseCache {
  const { store } = options;
  const maxValueBytes = options.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES;
  const errorTtlMs = options.errorTtlMs ?? 0;
  const lockTtlMs = options.lockTtlMs ?? DEFAULT_LOCK_TTL_MS;
  const faults = createFaultTracker(options.logger, "cache");
  const counters: CacheCounters = {
    hits: 0,
    misses: 0,
    coalesced: 0,
    takeovers: 0,
    stored: 0,
    tooLarge: 0,
    bypassed: 0,
  };

  async function bypass(error: unknown, load: () => Promise<ToolResult>) {
    counters.bypassed++;
    faults.fallback(error, "cache bypassed");
    return { result: await load(), source: "bypass" as const };
  }

  async function lead(request: CacheRequest, token: string, load: () => Promise<ToolResult>) {
    counters.misses++;
    const stopHeartbeat = heartbeat(() => {
      store.extend(request.key, token, lockTtlMs).catch(() => {});
    }, Math.max(1, Math.floor(lockTtlMs / 3)));
    let result: ToolResult;
    try {
      result = await load();
    } catch (error) {
      stopHeartbeat();
      await settle(request, token, errorSettlement(error, request.ttlMs));
      throw error;
    }
    stopHeartbeat();
    await settle(request, token, resultSettlement(result, request.ttlMs));
    return { result, source: "leader" as const };
  }

  async function settle(request: CacheRequest, token: string, settlement: CacheSettlement) {
    if (settlement.store) counters.stored++;
    try {
      await store.settle(request.key, token, settlement);
      faults.succeeded();
    } catch (error) {
      faults.fallback(error, "flight outcome not stored or shared");
    }
  }

  function resultSettlement(result: ToolResult, ttlMs: number): CacheSettlement {
    // Why: an `input_required` result (a federated tool asking its caller) is one caller's turn
    // in an exchange, not the tool's answer; each waiter runs its own call.
    if ((result as { resultType?: unknown }).resultType === "input_required") {
      return { message: UNCACHEABLE };
    }
    const payload = encodeOutcome({ result });
    // Why the length first: a UTF-16 unit is at most 3 UTF-8 bytes, so most payloads are known
    // to fit without being encoded only to be measured.
    if (payload.length * 3 > maxValueBytes && encoder.encode(payload).length > maxValueBytes) {
      counters.tooLarge++;
      return { message: UNCACHEABLE };
    }
    if (result.isError && errorTtlMs === 0) return { message: payload };
    const ttl = result.isError ? Math.min(errorTtlMs, ttlMs) : ttlMs;
    return { message: payload, store: { payload, ttlMs: ttl } };
  }

  function errorSettlement(error: unknown, ttlMs: number): CacheSettlement {
    // Why: a cancelled leader has no outcome that is true for its waiters; one of them retries.
    if (!(error instanceof GatewayError) || error.code === "CANCELLED") {
      return { message: ABANDONED };
    }
    const payload = encodeOutcome({ error });
    if (!isDefinitiveError(error) || errorTtlMs === 0) return { message: payload };
    return { message: payload, store: { payload, ttlMs: Math.min(errorTtlMs, ttlMs) } };
  }

  async function serve(
    request: CacheRequest,
    load: () => Promise<ToolResult>,
    peeked?: Outcome,
  ): Promise<{ result: ToolResult; source: CacheSource }> {
    if (peeked) return deliver(peeked, "hit");
    const flight: Flight = {
      token: crypto.randomUUID(),
      deadline: Date.now() + request.timeoutMs,
      waited: false,
    };
    try {
      for (;;) {
        let found;
        try {
          found = await store.lookup(request.key, flight.token, lockTtlMs);
          faults.succeeded();
        } catch (error) {
          return await bypass(error, load);
        }
        if (found.kind === "hit") {
          const outcome = decodeOutcome(found.payload);
          if (outcome) return deliver(outcome, "hit");
          return await bypass(new Error("corrupt cache payload"), load);
        }
        if (found.kind === "lead") {
          if (flight.waited) counters.takeovers++;
          return await lead(request, flight.token, load);
        }
        const heard = await awaitLeader(request, flight, found.lockTtlMs);
        if (heard === "bypass") return await bypass(flight.fault, load);
        if (heard === UNCACHEABLE) return { result: await load(), source: "bypass" };
        if (heard !== undefined) return deliver(heard, "coalesced");
      }
    } finally {
      flight.mailbox?.close();
    }
  }

  /**
   * Waits for the leader's outcome at most `lockTtlMs` (then the caller looks up again, and may
   * take over) and never past the flight's deadline. Returns the outcome, the `uncacheable`
   * marker, `bypass` on a store fault, or undefined to look up again.
   * @throws GatewayError UPSTREAM_TIMEOUT past the deadline, CANCELLED when the client cancels.
   */
  async function awaitLeader(
    request: CacheRequest,
    flight: Flight,
    lockTtlMs: number,
  ): Promise<Outcome | typeof UNCACHEABLE | "bypass" | undefined> {
    flight.waited = true;
    // Why created here: most flights are led, and a leader never reads the channel.
    flight.mailbox ??= createMailbox();
    if (!flight.mailbox.subscribed) {
      try {
        await flight.mailbox.subscribe(store, request.key);
      } catch (error) {
        flight.fault = error;
        return "bypass";
      }
      return undefined; // Why: the outcome may have been published before we listened; look again.
    }
    const waitMs = Math.min(lockTtlMs + 5, flight.deadline - Date.now());
    const message = await flight.mailbox.next(waitMs, request.signal);
    if (request.signal.aborted) throw new GatewayError("CANCELLED", "Call cancelled by the client");
    if (message === UNCACHEABLE) return UNCACHEABLE;
    const outcome = message === undefined ? undefined : decodeOutcome(message);
    if (outcome) return outcome;
    if (Date.now() >= flight.deadline) throw flightTimeout(request.timeoutMs);
    return undefined;
  }

  function deliver(outcome: Outcome, source: "hit" | "coalesced") {
    source === "hit" ? counters.hits++ : counters.coalesced++;
    if ("error" in outcome) throw outcome.error;
    return { result: outcome.result, source };
  }

  return {
    async peek(key) {
      try {
        const payload = await store.peek(key);
        faults.succeeded();
        return payload === undefined ? undefined : decodeOutcome(payload);
      } catch {
        return undefined; // Why: serve() meets the same fault and counts and logs it once.
      }
    },
    serve,
    counters: () => ({ ...counters, fallbacks: faults.fallbacks() }),
    keyOf: store.inProcess === true ? plainCacheKey : cacheKeyOfCanonical,
  };
}

/**
 * Runs `beat` every `periodMs` until the returned stop runs. Why shared timeouts and not a
 * `setInterval`: every cache miss leads a flight, and on Deno 2.9 each interval builds a
 * Node-style `Timeout` (CPU profile of the in-process tool: about 3 µs of its misses).
 */
function heartbeat(beat: () => void, periodMs: number): () => void {
  let cancel = setSharedTimeout(tick, periodMs);
  function tick() {
    beat();
    cancel = setSharedTimeout(tick, periodMs);
  }
  return () => cancel();
}

/**
 * Whether an error is the backend's definitive answer (a 4xx such as 404), which may be cached
 * when an error ttl is configured; timeouts, 5xx and throttling never are.
 */
function isDefinitiveError(error: GatewayError): boolean {
  const status = error.upstream?.status;
  return error.code === "UPSTREAM_ERROR" && status !== undefined && status >= 400 &&
    status < 500 && status !== 408 && status !== 425 && status !== 429;
}

function flightTimeout(timeoutMs: number): GatewayError {
  return new GatewayError(
    "UPSTREAM_TIMEOUT",
    `Upstream did not answer within ${timeoutMs} ms: an identical call in flight did not finish`,
    { data: { timeoutMs } },
  );
}

/** One caller's part in a flight. */
interface Flight {
  token: string;
  /** When this caller stops waiting for another's flight (epoch ms). */
  deadline: number;
  /** The entry's channel, once this caller waits for another's flight. */
  mailbox?: Mailbox;
  /** Whether it has waited for a leader (so leading now is a takeover). */
  waited: boolean;
  fault?: unknown;
}
