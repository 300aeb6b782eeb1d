/**
 * A bound on calls in flight (`maxConcurrent`; one upstream's, or the instance's): a call beyond it waits in a short
 * FIFO queue (at most `queue` calls, each at most `queueTimeoutMs`) and is refused after that.
 * Returns decisions and never throws; the caller turns a refusal into an error.
 */

/** Options of {@linkcode createCallGate}. */
export interface CallGateOptions {
  /** Most calls in flight at once; at least 1. */
  maxConcurrent: number;
  /** Most calls waiting for a slot; 0 refuses at once. */
  queue: number;
  /** Longest wait for a slot, in milliseconds. */
  queueTimeoutMs: number;
}

/** Why a call was not admitted. */
export type GateRefusal = "full" | "timeout" | "cancelled";

/** A slot (release it exactly once; later calls are no-ops), or the refusal. */
export type GateDecision =
  | { admitted: true; release: () => void }
  | { admitted: false; reason: GateRefusal };

/** The gate of one upstream. */
export interface CallGate {
  /** Takes a slot, waiting in the queue if needed; `signal` abandons the wait. */
  enter(signal?: AbortSignal): Promise<GateDecision>;
  /** Calls holding a slot now. */
  inFlight(): number;
  /** Calls waiting now. */
  waiting(): number;
}

interface Waiter {
  settle: (decision: GateDecision) => void;
}

/** Creates an empty gate. Raises nothing. */
export function createCallGate(options: CallGateOptions): CallGate {
  const most = Math.max(1, options.maxConcurrent);
  const queue: Waiter[] = [];
  let inFlight = 0;

  function slot(): GateDecision {
    inFlight++;
    let released = false;
    return {
      admitted: true,
      release() {
        if (released) return;
        released = true;
        inFlight--;
        queue.shift()?.settle(slot());
      },
    };
  }

  return {
    enter(signal) {
      if (signal?.aborted) return Promise.resolve({ admitted: false, reason: "cancelled" });
      if (inFlight < most && queue.length === 0) return Promise.resolve(slot());
      if (queue.length >= options.queue) {
        return Promise.resolve({ admitted: false, reason: "full" });
      }
      return new Promise<GateDecision>((resolve) => {
        const waiter: Waiter = { settle };
        const timer = setTimeout(() => leave("timeout"), options.queueTimeoutMs);
        signal?.addEventListener("abort", onAbort, { once: true });
        queue.push(waiter);
        function onAbort(): void {
          leave("cancelled");
        }
        function leave(reason: GateRefusal): void {
          const index = queue.indexOf(waiter);
          if (index >= 0) queue.splice(index, 1);
          settle({ admitted: false, reason });
        }
        function settle(decision: GateDecision): void {
          clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
          resolve(decision);
        }
      });
    },
    inFlight: () => inFlight,
    waiting: () => queue.length,
  };
}
