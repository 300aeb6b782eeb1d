/**
 * A bound on calls in flight (`maxConcurrent`; one upstream's, or the instance's): a call beyond it waits in a short
 * queue (at most `queue` calls, each at most `queueTimeoutMs`) and is refused after that.
 * With `perKey`, each key (a client) holds at most that many slots and queue places together, and
 * the queue is served round-robin across keys, FIFO within one: one busy client cannot take
 * every slot nor starve the others. Returns decisions and never throws; the caller turns a
 * refusal into an error.
 */

/** Options of {@linkcode createCallGate}. */
export interface CallGateOptions {
  /** Most calls in flight at once; at least 1. */
  maxConcurrent: number;
  /** Most calls waiting for a slot; 0 refuses at once. */
  queue: number;
  /** Longest wait for a slot, in milliseconds. */
  queueTimeoutMs: number;
  /** Most calls one key holds in flight and queued together; absent: no per-key bound. */
  perKey?: number;
}

/** Why a call was not admitted: the gate's queue, the wait, the caller, or the key's share. */
export type GateRefusal = "full" | "timeout" | "cancelled" | "share";

/**
 * A slot (release it exactly once, as a method: `decision.release()`; later calls are no-ops),
 * or the refusal.
 */
export type GateDecision =
  | { readonly admitted: true; release(): void }
  | { admitted: false; reason: GateRefusal };

/** The gate of one upstream. */
export interface CallGate {
  /**
   * Takes a slot, waiting in the queue if needed; `signal` abandons the wait. `key` names the
   * client whose share the call counts against (absent: one shared key).
   */
  enter(signal?: AbortSignal, key?: string): Promise<GateDecision>;
  /**
   * The decision `enter` would make without waiting (a slot, or a refusal), or undefined when the
   * call would have to wait in the queue (then call `enter`).
   */
  decideNow(signal?: AbortSignal, key?: string): GateDecision | undefined;
  /** Calls holding a slot now. */
  inFlight(): number;
  /** Calls waiting now. */
  waiting(): number;
  /** Keys holding a slot or a queue place now. */
  keys(): number;
}

interface Waiter {
  key: string;
  settle: (decision: GateDecision) => void;
}

/** What a slot tells its gate when it is released. */
interface SlotOwner {
  free(key: string): void;
}

/**
 * A slot held. Why a class and not a literal with a `release` closure: a slot lives as long as
 * its call, and the closure and its context were kept per call in flight (heap per call); call
 * `release` as a method.
 */
class Slot {
  readonly admitted = true as const;
  readonly #owner: SlotOwner;
  readonly #key: string;
  #released = false;

  constructor(owner: SlotOwner, key: string) {
    this.#owner = owner;
    this.#key = key;
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#owner.free(this.#key);
  }
}

/** Creates an empty gate. Raises nothing. */
export function createCallGate(options: CallGateOptions): CallGate {
  const most = Math.max(1, options.maxConcurrent);
  const perKey = Math.max(1, options.perKey ?? Number.POSITIVE_INFINITY);
  // Why a Map of queues: its insertion order is the round-robin ring; a key served goes to the end.
  const queues = new Map<string, Waiter[]>();
  const held = new Map<string, number>();
  let waiting = 0;
  let inFlight = 0;

  function hold(key: string, delta: number): void {
    const count = (held.get(key) ?? 0) + delta;
    if (count <= 0) held.delete(key);
    else held.set(key, count);
  }

  function next(): Waiter | undefined {
    const first = queues.entries().next();
    if (first.done) return undefined;
    const [key, list] = first.value;
    const waiter = list.shift();
    queues.delete(key);
    if (list.length > 0) queues.set(key, list);
    waiting--;
    return waiter;
  }

  const slots: SlotOwner = {
    free(key) {
      inFlight--;
      hold(key, -1);
      const waiter = next();
      waiter?.settle(slot(waiter.key));
    },
  };

  function slot(key: string): GateDecision {
    inFlight++;
    return new Slot(slots, key);
  }

  function queueFor(key: string, signal: AbortSignal | undefined): Promise<GateDecision> {
    hold(key, 1);
    waiting++;
    return new Promise<GateDecision>((resolve) => {
      const waiter: Waiter = { key, settle };
      const timer = setTimeout(() => leave("timeout"), options.queueTimeoutMs);
      signal?.addEventListener("abort", onAbort, { once: true });
      const list = queues.get(key);
      if (list === undefined) queues.set(key, [waiter]);
      else list.push(waiter);
      function onAbort(): void {
        leave("cancelled");
      }
      function leave(reason: GateRefusal): void {
        const mine = queues.get(key) ?? [];
        const index = mine.indexOf(waiter);
        if (index >= 0) {
          mine.splice(index, 1);
          if (mine.length === 0) queues.delete(key);
          waiting--;
          hold(key, -1);
        }
        settle({ admitted: false, reason });
      }
      function settle(decision: GateDecision): void {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        resolve(decision);
      }
    });
  }

  function decideNow(signal: AbortSignal | undefined, key: string): GateDecision | undefined {
    if (signal?.aborted) return { admitted: false, reason: "cancelled" };
    if ((held.get(key) ?? 0) >= perKey) return { admitted: false, reason: "share" };
    if (inFlight < most && waiting === 0) {
      hold(key, 1);
      return slot(key);
    }
    if (waiting >= options.queue) return { admitted: false, reason: "full" };
    return undefined;
  }

  return {
    enter(signal, key = "") {
      const decided = decideNow(signal, key);
      return decided === undefined ? queueFor(key, signal) : Promise.resolve(decided);
    },
    decideNow: (signal, key = "") => decideNow(signal, key),
    inFlight: () => inFlight,
    waiting: () => waiting,
    keys: () => held.size,
  };
}
