/**
 * One signal per call that fires on client cancellation or when the tool's own timeout elapses,
 * and tells afterwards which of the two happened.
 */

import { GatewayError } from "../errors.ts";

/** Why a call's signal fired. */
export type AbortCause = "timeout" | "cancelled";

/** The combined signal of one call. */
export interface Deadline {
  /** Aborted when the client cancels or the timeout elapses, whichever comes first. */
  readonly signal: AbortSignal;
  /** Which one fired, or `undefined` while neither has. */
  cause(): AbortCause | undefined;
  /** Stops the timer once the call is over; the signal stays as it is. */
  dispose(): void;
}

/** Combines the client's signal with a timeout of `timeoutMs`. */
export function createDeadline(clientSignal: AbortSignal, timeoutMs: number): Deadline {
  // Why not AbortSignal.timeout: its timer cannot be cleared, so every finished call would leave
  // one armed until it fires (30 s by default), costing CPU long after the call (bench profile).
  const timeout = new AbortController();
  const timer = setTimeout(
    () => timeout.abort(new DOMException("Signal timed out.", "TimeoutError")),
    timeoutMs,
  );
  const timeoutSignal = timeout.signal;
  const signal = AbortSignal.any([clientSignal, timeoutSignal]);
  return {
    signal,
    dispose: () => clearTimeout(timer),
    cause() {
      if (!signal.aborted) return undefined;
      // Why: AbortSignal.any keeps the reason of whichever input fired first, so comparing reasons
      // (not `aborted` flags) gives the right answer when both fire before we look.
      return timeoutSignal.aborted && signal.reason === timeoutSignal.reason
        ? "timeout"
        : "cancelled";
    },
  };
}

/** The error for a call that was cancelled by the client. */
export function cancelledError(): GatewayError {
  return new GatewayError("CANCELLED", "Call cancelled by the client");
}
