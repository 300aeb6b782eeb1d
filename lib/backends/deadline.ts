/**
 * One signal per call that fires on client cancellation or when the tool's own timeout elapses,
 * and tells afterwards which of the two happened.
 */

import { GatewayError } from "../errors.ts";
import { watchAbort } from "../abort_watch.ts";
import { armSharedTimeout, type SharedTimeout } from "../shared_timeout.ts";

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
  return new CallDeadline(clientSignal, timeoutMs);
}

/**
 * Why a class that is its own abort listener (`handleEvent`) and timeout (`onTimeout`), with
 * methods on its prototype, and not closures: it lives for the whole call, and each closure and
 * the object literal holding them were kept per call in flight (heap per call).
 */
class CallDeadline implements Deadline {
  readonly #controller = new AbortController();
  readonly #clientSignal: AbortSignal;
  #cause: AbortCause | undefined;
  #timer: SharedTimeout | undefined;

  constructor(clientSignal: AbortSignal, timeoutMs: number) {
    this.#clientSignal = clientSignal;
    if (clientSignal.aborted) {
      this.#fire("cancelled", clientSignal.reason);
      return;
    }
    // Why `watchAbort`: a 2025 SSE answer's signal tells the deadline directly (abort_watch.ts).
    watchAbort(clientSignal, this);
    this.#timer = armSharedTimeout(this, timeoutMs);
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  cause(): AbortCause | undefined {
    return this.#cause;
  }

  dispose(): void {
    this.#timer?.cancel();
  }

  /** The client's signal fired. */
  handleEvent(): void {
    this.#fire("cancelled", this.#clientSignal.reason);
  }

  /** The timeout elapsed (`armSharedTimeout`). */
  onTimeout(): void {
    this.#fire("timeout", new DOMException("Signal timed out.", "TimeoutError"));
  }

  #fire(which: AbortCause, reason: unknown): void {
    if (this.#cause !== undefined) return;
    this.#cause = which;
    this.#controller.abort(reason);
  }
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
