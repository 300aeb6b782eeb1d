/**
 * Admission control of one instance: at most `maxInflight` POSTs to the MCP endpoint in flight,
 * a short FIFO queue (`queueMax`, each waiting at most `queueTimeoutMs`), and past both an
 * immediate HTTP 503 with `Retry-After` and a JSON-RPC `OVERLOADED` error, before the body is read.
 * Health probes, `/metrics` and `/admin` never pass through it.
 */

import { type CallGate, createCallGate } from "../call_gate.ts";
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
}

/** What `/readyz` and `/metrics` report. */
export interface AdmissionSnapshot extends AdmissionLimits {
  /** Calls holding a slot now. */
  inflight: number;
  /** Calls waiting now. */
  queued: number;
  /** Calls shed since start. */
  shed: number;
}

/** The instance's admission gate. */
export interface InstanceAdmission {
  /** Runs `serve` in a slot, or answers 503 at once when none frees in time. Raises what `serve` raises. */
  run(serve: () => Promise<Response>, signal?: AbortSignal): Promise<Response>;
  /** The bounds and the counts now. */
  snapshot(): AdmissionSnapshot;
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

/** The bounds from config: absent `queueMax` is a quarter of `maxInflight`. Raises nothing. */
export function admissionLimits(
  options: { maxInflight: number; queueMax?: number; queueTimeoutMs: number },
): AdmissionLimits {
  return {
    maxInflight: options.maxInflight,
    queueMax: options.queueMax ?? Math.floor(options.maxInflight / 4),
    queueTimeoutMs: options.queueTimeoutMs,
  };
}

/** Creates the gate. Raises nothing. */
export function createInstanceAdmission(limits: AdmissionLimits): InstanceAdmission {
  const gate: CallGate = createCallGate({
    maxConcurrent: limits.maxInflight,
    queue: limits.queueMax,
    queueTimeoutMs: limits.queueTimeoutMs,
  });
  // Why at least 1 s: Retry-After counts whole seconds; the queue wait is the best hint we have.
  const retryAfterMs = Math.max(1_000, limits.queueTimeoutMs);
  let shed = 0;

  function snapshot(): AdmissionSnapshot {
    return { ...limits, inflight: gate.inFlight(), queued: gate.waiting(), shed };
  }

  return {
    async run(serve, signal) {
      const decision = await gate.enter(signal);
      if (!decision.admitted) {
        shed++;
        return overloaded(decision.reason === "full" ? "queue full" : "no slot in time");
      }
      let response: Response;
      try {
        response = await serve();
      } catch (error) {
        decision.release();
        throw error;
      }
      return releasedAtStreamEnd(response, decision.release);
    },
    snapshot,
    families() {
      const now = snapshot();
      return [
        gauge("nexus_calls_in_flight", "MCP POSTs holding an admission slot.", now.inflight),
        gauge("nexus_calls_queued", "MCP POSTs waiting for an admission slot.", now.queued),
        {
          name: "nexus_calls_shed_total",
          help: "MCP POSTs answered 503 OVERLOADED by admission control.",
          type: "counter",
          samples: [{ value: now.shed }],
        },
        gauge(
          "nexus_calls_max_in_flight",
          "The admission bound (NEXUS_MAX_INFLIGHT).",
          now.maxInflight,
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

function gauge(name: string, help: string, value: number): MetricFamily {
  return { name, help, type: "gauge", samples: [{ value }] };
}
