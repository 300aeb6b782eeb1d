/**
 * Timeouts of the same length sharing one timer: every call arms a deadline (its body read, its
 * tool timeout) and nearly all of them are cancelled well before they fire. Why not a
 * `setTimeout` each: on Deno 2.9 each one builds a Node-style `Timeout` (CPU profile: about 4 µs a
 * call for the two) and keeps it and its closures for the whole call. Deadlines of one length
 * expire in the order they were armed, so a queue per length needs one timer, armed for its
 * oldest live entry.
 */

/** What fires: a function, or an object's `onTimeout` (no closure to make per timeout). */
export type SharedTimeoutTarget = (() => void) | { onTimeout(): void };

/** A timeout armed by {@linkcode armSharedTimeout}. */
export interface SharedTimeout {
  /** Cancels it; cancelling twice, or after it fired, does nothing. */
  cancel(): void;
}

/**
 * Why a class: the entry is its own cancel handle (a method on its prototype), so arming one
 * makes no closure; a deadline lives as long as its call (heap per call in flight).
 */
class Entry implements SharedTimeout {
  constructor(
    readonly queue: Queue,
    readonly at: number,
    /** Cleared once the entry fired or was cancelled. */
    public target: SharedTimeoutTarget | undefined,
  ) {}

  cancel(): void {
    if (this.target === undefined) return;
    this.target = undefined;
    const owner = this.queue;
    owner.live--;
    if (owner.live === 0) return idle(owner);
    // Why: cancelled entries wait for their time otherwise; keep at most ~3× the live ones.
    const waiting = owner.entries.length - owner.head;
    if (waiting > 1024 && waiting > owner.live * 3) {
      owner.entries = owner.entries.filter((kept, index) =>
        index >= owner.head && kept.target !== undefined
      );
      owner.head = 0;
    }
  }
}

interface Queue {
  delayMs: number;
  entries: Entry[];
  head: number;
  live: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

const queues = new Map<number, Queue>();

/**
 * Calls `fire` once `delayMs` has passed, unless the returned cancel runs first (cancelling
 * twice, or after it fired, does nothing). `fire` must not throw. Raises nothing.
 */
export function setSharedTimeout(fire: () => void, delayMs: number): () => void {
  const entry = armSharedTimeout(fire, delayMs);
  return () => entry.cancel();
}

/**
 * Fires `target` (calls it, or its `onTimeout`) once `delayMs` has passed, unless cancelled
 * first. It must not throw. Raises nothing.
 */
export function armSharedTimeout(target: SharedTimeoutTarget, delayMs: number): SharedTimeout {
  let queue = queues.get(delayMs);
  if (queue === undefined) {
    queue = { delayMs, entries: [], head: 0, live: 0, timer: undefined };
    queues.set(delayMs, queue);
  }
  const entry = new Entry(queue, performance.now() + delayMs, target);
  queue.entries.push(entry);
  queue.live++;
  if (queue.timer === undefined) arm(queue, delayMs);
  else if (queue.live === 1) Deno.refTimer(queue.timer);
  return entry;
}

function arm(queue: Queue, delayMs: number): void {
  queue.timer = setTimeout(() => expire(queue), Math.max(0, delayMs));
}

function expire(queue: Queue): void {
  queue.timer = undefined;
  const now = performance.now();
  let next: Entry | undefined;
  while (queue.head < queue.entries.length) {
    const entry = queue.entries[queue.head]!;
    if (entry.target !== undefined && entry.at > now) {
      next = entry;
      break;
    }
    queue.head++;
    const target = entry.target;
    if (target === undefined) continue;
    entry.target = undefined;
    queue.live--;
    if (typeof target === "function") target();
    else target.onTimeout();
  }
  if (next === undefined || queue.live === 0) return reset(queue);
  if (queue.head > 1024 && queue.head * 2 > queue.entries.length) {
    queue.entries = queue.entries.slice(queue.head);
    queue.head = 0;
  }
  arm(queue, Math.ceil(next.at - now));
}

/**
 * No live entry: an empty queue whose timer stays armed but no longer holds the process open.
 * Why not cleared: when calls come one at a time each would arm a new timer (CPU profile of cache
 * hits: about 4 µs a call); the old timer fires once, finds nothing, and is not re-armed.
 */
function idle(queue: Queue): void {
  if (queue.timer !== undefined) Deno.unrefTimer(queue.timer);
  queue.entries = [];
  queue.head = 0;
}

/** Nothing left to wait for: no timer, an empty queue. */
function reset(queue: Queue): void {
  if (queue.timer !== undefined) clearTimeout(queue.timer);
  queue.timer = undefined;
  queue.entries = [];
  queue.head = 0;
  queue.live = 0;
}
