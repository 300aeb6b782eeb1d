/**
 * One signal per call that fires on client cancellation or when the tool's own timeout elapses,
 * and tells afterwards which of the two happened.
 */

import { GatewayError } from "../errors.ts";
import { setSharedTimeout } from "../shared_timeout.ts";

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
  // Why one controller and a listener, not `AbortSignal.any`: `any` keeps per call two signals,
  // their source and dependent sets, weak refs and cells (heap per in-flight call); and not
  // `AbortSignal.timeout`: its timer cannot be cleared, so every finished call would leave one
  // armed until it fires (30 s by default), costing CPU long after the call (bench profile).
  const controller = new AbortController();
  let cause: AbortCause | undefined;
  const fire = (which: AbortCause, reason: unknown) => {
    if (cause !== undefined) return;
    cause = which;
    controller.abort(reason);
  };
  if (clientSignal.aborted) {
    fire("cancelled", clientSignal.reason);
    return { signal: controller.signal, cause: () => cause, dispose: () => {} };
  }
  clientSignal.addEventListener("abort", () => fire("cancelled", clientSignal.reason), {
    once: true,
  });
  // Why shared: calls of one tool share its timeout length, so one timer serves them all.
  const dispose = setSharedTimeout(
    () => fire("timeout", new DOMException("Signal timed out.", "TimeoutError")),
    timeoutMs,
  );
  return { signal: controller.signal, cause: () => cause, dispose };
}

/** The error for a call that was cancelled by the client. */
export function cancelledError(): GatewayError {
  return new GatewayError("CANCELLED", "Call cancelled by the client");
}

/**
 * The error for a call whose deadline fired: `CANCELLED` when the client cancelled, `timedOut()`
 * when the timeout elapsed; undefined while neither has (the failure is the backend's own).
 */
export function deadlineError(
  deadline: Deadline,
  timedOut: () => GatewayError,
): GatewayError | undefined {
  const cause = deadline.cause();
  if (cause === "timeout") return timedOut();
  if (cause === "cancelled") return cancelledError();
  return undefined;
}

/**
 * `work`, or a rejection with the signal's reason as soon as it aborts, whichever comes first.
 * Why: work that does not watch the signal (a tool handler ignoring it, a wait for a pool
 * connection) must not hold the call open past its deadline; the late outcome of `work` is still
 * observed by the race, so a late rejection is handled.
 */
export function raceSignal<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
  });
  return Promise.race([work, aborted]).finally(() => signal.removeEventListener("abort", onAbort));
}
