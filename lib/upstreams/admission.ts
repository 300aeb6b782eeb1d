/**
 * Admission of calls to one upstream: its circuit breaker first (an open circuit fails fast, before
 * any queueing), then its `maxConcurrent` gate with the short FIFO queue. Turns their refusals into
 * `UPSTREAM_UNAVAILABLE` errors naming the upstream and what to expect.
 */

import { GatewayError } from "../errors.ts";
import {
  DEFAULT_BREAKER_FAILURES,
  DEFAULT_BREAKER_RESET_MS,
  DEFAULT_QUEUE_TIMEOUT_MS,
  type UpstreamSpec,
} from "../upstream_spec/mod.ts";
import { type BreakerOutcome, type BreakerSnapshot, createBreaker } from "./breaker.ts";
import { type CallGate, createCallGate } from "../call_gate.ts";

/** Ends an admitted call: how it went, for the breaker; the slot is freed. Once only. */
export type FinishCall = (outcome: BreakerOutcome) => void;

/** The breaker and gate of one upstream. */
export interface Admission {
  /**
   * Admits one call, waiting in the queue when `maxConcurrent` calls are in flight.
   * @throws GatewayError UPSTREAM_UNAVAILABLE (circuit open, queue full, wait too long) or CANCELLED
   */
  admit(signal?: AbortSignal): Promise<FinishCall>;
  /** The breaker's state now. */
  breaker(): BreakerSnapshot;
}

/** Creates the admission of `spec`'s upstream; `now` is the breaker's clock. Raises nothing. */
export function createAdmission(
  spec: UpstreamSpec,
  options: { now?: () => number } = {},
): Admission {
  const breaker = createBreaker({
    failures: spec.breaker?.failures ?? DEFAULT_BREAKER_FAILURES,
    resetAfterMs: spec.breaker?.resetAfterMs ?? DEFAULT_BREAKER_RESET_MS,
    ...(options.now ? { now: options.now } : {}),
  });
  const most = spec.maxConcurrent;
  const gate: CallGate | undefined = most === undefined ? undefined : createCallGate({
    maxConcurrent: most,
    queue: spec.queue ?? most * 2,
    queueTimeoutMs: spec.queueTimeoutMs ?? DEFAULT_QUEUE_TIMEOUT_MS,
  });
  const name = spec.name;

  async function admit(signal?: AbortSignal): Promise<FinishCall> {
    const decision = breaker.admit();
    if (!decision.allowed) {
      const detail = decision.probing
        ? "circuit half-open, a probe call is in flight"
        : `circuit open, next probe in ${Math.ceil(decision.retryAfterMs / 1000)} s`;
      throw new GatewayError("UPSTREAM_UNAVAILABLE", `Upstream "${name}" is failing: ${detail}`, {
        data: { retryAfterMs: decision.retryAfterMs },
      });
    }
    const probe = decision.probe;
    const entered = gate === undefined ? undefined : await gate.enter(signal);
    if (entered !== undefined && !entered.admitted) {
      breaker.record("ignored", probe);
      if (entered.reason === "cancelled") {
        throw new GatewayError("CANCELLED", "Call cancelled by the client");
      }
      const why = entered.reason === "full"
        ? `${most} calls in flight and the queue is full`
        : `no call slot freed within ${spec.queueTimeoutMs ?? DEFAULT_QUEUE_TIMEOUT_MS} ms`;
      throw new GatewayError("UPSTREAM_UNAVAILABLE", `Upstream "${name}" is busy: ${why}`);
    }
    let finished = false;
    return (outcome) => {
      if (finished) return;
      finished = true;
      if (entered?.admitted) entered.release();
      breaker.record(outcome, probe);
    };
  }

  return { admit, breaker: () => breaker.snapshot() };
}
