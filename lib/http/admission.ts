/**
 * Admission control of one instance: at most `maxInflight` POSTs to the MCP endpoint in flight,
 * a short queue (`queueMax`, each waiting at most `queueTimeoutMs`, served round-robin across
 * clients), at most `maxInflightPerClient` in flight and queued per client, and past those an
 * immediate HTTP 503 with `Retry-After` and a JSON-RPC `OVERLOADED` error, before the body is read.
 * While the instance itself sheds (not one client past its share), `shedding()` is true for
 * `shedUnreadyMs`, and `/readyz` turns unready so a balancer moves traffic away.
 * Health probes, `/metrics` and `/admin` never pass through it.
 */

import { type CallGate, createCallGate, type GateRefusal } from "../call_gate.ts";
import { GatewayError } from "../errors.ts";
import { releasedAtStreamEnd } from "../stream_end.ts";
import type { MetricFamily } from "../metrics/mod.ts";

/** Live heap one in-flight call holds, as measured for the perf issue (≈190 KB, rounded up). */
export const HEAP_PER_CALL_BYTES = 200 * 1024;
/** The smallest derived `maxInflight`. */
export const MIN_DERIVED_INFLIGHT = 16;

/** The bounds in force. */
export interface AdmissionLimits {
  /** Most calls in flight at once. */
  maxInflight: number;
  /** Most calls waiting for a slot. */
  queueMax: number;
  /** Longest wait for a slot, in milliseconds. */
  queueTimeoutMs: number;
  /** Most calls one client holds in flight and queued together; absent: half of `maxInflight`. */
  maxInflightPerClient?: number;
  /** How long after the instance last shed `/readyz` stays unready; absent or 0: never unready. */
  shedUnreadyMs?: number;
}

/** What `/readyz` and `/metrics` report. */
export interface AdmissionSnapshot extends AdmissionLimits {
  /** Calls holding a slot now. */
  inflight: number;
  /** Calls waiting now. */
  queued: number;
  /** Calls shed since start because the instance was full (slots and queue, or the wait). */
  shed: number;
  /** Calls refused since start because their client held its share. */
  clientCapped: number;
  /** Clients holding a slot or a queue place now. */
  clients: number;
}

/** Who a call counts against, and how its wait ends. */
export interface AdmissionRun {
  /**
   * Abandons the wait (the client went away): a signal, or what holds one (the request), read
   * only when the call must wait for a slot. Why: on Deno 2.9 reading a request's `signal` makes
   * its signal and cancel watch, about 1.4 KB kept per call in flight, and a call admitted at once
   * (nearly every one) needs neither; a fresh request's signal is never aborted yet when it arrives.
   */
  signal?: AbortSignal | { readonly signal: AbortSignal };
  /** The client's key ({@linkcode admissionClientKey}); absent: one shared client. */
  client?: string;
  /**
   * Answers a failure of `serve` (its slot released first); absent: `run` rejects with it. Why:
   * the caller's own catch would keep one more promise layer per call in flight.
   */
  failed?: (error: unknown) => Response;
}

/** The instance's admission gate. */
export interface InstanceAdmission {
  /**
   * Runs `serve` in a slot, or answers 503 at once when none frees in time. Raises what `serve`
   * raises, unless `options.failed` answers it.
   */
  run(serve: () => Promise<Response>, options?: AdmissionRun): Promise<Response>;
  /** The bounds and the counts now. */
  snapshot(): AdmissionSnapshot;
  /** Whether the instance shed a call within the last `shedUnreadyMs`. */
  shedding(): boolean;
  /** `nexus_calls_in_flight`, `nexus_calls_queued`, `nexus_calls_shed_total` and the bounds. */
  families(): MetricFamily[];
}

/** The share of the V8 heap limit the calls in flight may hold by default. */
export const HEAP_SHARE_FOR_CALLS = 0.35;

/**
 * The default `maxInflight` for a V8 heap limit (`heap_size_limit`):
 * `floor(heapLimit × 0.35 / 200 KB)`, at least {@linkcode MIN_DERIVED_INFLIGHT}. Raises nothing.
 */
export function defaultMaxInflight(heapLimitBytes: number): number {
  // Why 0.35 and not 0.5: `heap_size_limit` counts the young generation too (≈296 MB for
  // `--max-old-space-size=200`), so 0.35 keeps the calls to about half the old space, leaving the
  // rest to the gateway's own heap (registry, caches, buffers).
  const derived = Math.floor(heapLimitBytes * HEAP_SHARE_FOR_CALLS / HEAP_PER_CALL_BYTES);
  return Math.max(MIN_DERIVED_INFLIGHT, Number.isFinite(derived) ? derived : MIN_DERIVED_INFLIGHT);
}

/**
 * The bounds from config: absent `queueMax` is a quarter of `maxInflight`, absent
 * `maxInflightPerClient` half of it (at least 1). Raises nothing.
 */
export function admissionLimits(
  options: {
    maxInflight: number;
    queueMax?: number;
    queueTimeoutMs: number;
    maxInflightPerClient?: number;
    shedUnreadyMs?: number;
  },
): Required<AdmissionLimits> {
  return {
    maxInflight: options.maxInflight,
    queueMax: options.queueMax ?? Math.floor(options.maxInflight / 4),
    queueTimeoutMs: options.queueTimeoutMs,
    maxInflightPerClient: options.maxInflightPerClient ?? defaultPerClient(options.maxInflight),
    shedUnreadyMs: options.shedUnreadyMs ?? DEFAULT_SHED_UNREADY_MS,
  };
}

/** How long `/readyz` stays unready after the instance last shed, by default. */
export const DEFAULT_SHED_UNREADY_MS = 5_000;

// Why half: one client can use most of an idle instance, yet a second always finds slots.
function defaultPerClient(maxInflight: number): number {
  return Math.max(1, Math.ceil(maxInflight / 2));
}

/**
 * `serve()`, its slot released when the answer's body ends, or at once when it fails (the
 * failure then answered by `failed`, when given).
 */
function serveHolding(
  serve: () => Promise<Response>,
  slot: { release(): void },
  failed: ((error: unknown) => Response) | undefined,
): Promise<Response> {
  let served: Promise<Response>;
  try {
    served = serve();
  } catch (error) {
    served = Promise.reject(error);
  }
  // Why the slot and not its `release` bound: no closure per call in flight.
  return served.then((response) => releasedAtStreamEnd(response, slot), (error) => {
    slot.release();
    if (failed === undefined) throw error;
    return failed(error);
  });
}

/**
 * The client a call counts against, known before authentication: a fingerprint of its
 * `Authorization` header (each token or key its own client), else its peer address. Behind a
 * proxy every anonymous caller shares the proxy's address. Raises nothing.
 */
export function admissionClientKey(request: Request, address: string | undefined): string {
  const authorization = request.headers.get("authorization");
  // Why a hash and not the header: the map of clients never holds a credential.
  if (authorization !== null && authorization !== "") return `t:${fingerprint(authorization)}`;
  return `a:${address ?? ""}`;
}

// Why a 53-bit non-cryptographic hash (cyrb53): it only spreads clients over shares; a collision
// makes two clients share one share, nothing worse.
function fingerprint(text: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}

/** Creates the gate. Raises nothing. */
export function createInstanceAdmission(
  bounds: AdmissionLimits,
  options: { now?: () => number } = {},
): InstanceAdmission {
  const limits = admissionLimits(bounds);
  const now = options.now ?? Date.now;
  const gate: CallGate = createCallGate({
    maxConcurrent: limits.maxInflight,
    queue: limits.queueMax,
    queueTimeoutMs: limits.queueTimeoutMs,
    perKey: limits.maxInflightPerClient,
  });
  // Why at least 1 s: Retry-After counts whole seconds; the queue wait is the best hint we have.
  const retryAfterMs = Math.max(1_000, limits.queueTimeoutMs);
  let shed = 0;
  let clientCapped = 0;
  let lastShedAt = Number.NEGATIVE_INFINITY;

  function snapshot(): AdmissionSnapshot {
    return {
      ...limits,
      inflight: gate.inFlight(),
      queued: gate.waiting(),
      shed,
      clientCapped,
      clients: gate.keys(),
    };
  }

  function refuse(reason: GateRefusal): Response {
    // Why a client past its share is not shedding: moving traffic away from this instance
    // would not help the other clients, and the instance is not overloaded.
    if (reason === "share") {
      clientCapped++;
      return overloaded("this client's share of calls in flight is full");
    }
    shed++;
    // Why not on "cancelled": a client that went away while queued says nothing about load.
    if (reason !== "cancelled") lastShedAt = now();
    return overloaded(reason === "full" ? "queue full" : "no slot in time");
  }

  return {
    run(serve, run = {}) {
      // Why decided at once when no wait is needed (nearly always): a chain on the gate's promise
      // kept two promises, their reactions and two closures per call in flight.
      // Why a holder's signal is not read here: see `AdmissionRun.signal`.
      const now = gate.decideNow(
        run.signal instanceof AbortSignal ? run.signal : undefined,
        run.client,
      );
      if (now !== undefined) {
        return now.admitted
          ? serveHolding(serve, now, run.failed)
          : Promise.resolve(refuse(now.reason));
      }
      // Why chained and not async: an async frame here stayed live for the whole call.
      const queued = gate.enter(signalOf(run.signal), run.client).then((decision) =>
        decision.admitted ? serveHolding(serve, decision, run.failed) : refuse(decision.reason)
      );
      return run.failed === undefined ? queued : queued.catch(run.failed);
    },
    snapshot,
    shedding: () => limits.shedUnreadyMs > 0 && now() - lastShedAt < limits.shedUnreadyMs,
    families() {
      const current = snapshot();
      return [
        gauge("nexus_calls_in_flight", "MCP POSTs holding an admission slot.", current.inflight),
        gauge("nexus_calls_queued", "MCP POSTs waiting for an admission slot.", current.queued),
        {
          name: "nexus_calls_shed_total",
          help: "MCP POSTs answered 503 OVERLOADED by admission control.",
          type: "counter",
          samples: [{ value: current.shed }],
        },
        {
          name: "nexus_calls_client_capped_total",
          help: "MCP POSTs answered 503 OVERLOADED because their client held its share.",
          type: "counter",
          samples: [{ value: current.clientCapped }],
        },
        gauge(
          "nexus_calls_max_in_flight",
          "The admission bound (NEXUS_MAX_INFLIGHT).",
          current.maxInflight,
        ),
      ];
    },
  };

  function overloaded(why: string): Response {
    const error = new GatewayError(
      "OVERLOADED",
      `Cannot admit the request: the gateway is overloaded (${why}); retry after ${retryAfterMs} ms`,
    );
    const body = {
      jsonrpc: "2.0",
      id: null,
      error: { code: error.mapping.jsonRpc, message: error.message, data: { retryAfterMs } },
    };
    return Response.json(body, {
      status: error.mapping.http,
      headers: { "retry-after": String(Math.ceil(retryAfterMs / 1_000)) },
    });
  }
}

function signalOf(given: AdmissionRun["signal"]): AbortSignal | undefined {
  return given === undefined || given instanceof AbortSignal ? given : given.signal;
}

function gauge(name: string, help: string, value: number): MetricFamily {
  return { name, help, type: "gauge", samples: [{ value }] };
}
