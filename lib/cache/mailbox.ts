/**
 * The messages of one cache entry's channel for one waiting call: queued, so none published
 * between two waits is lost, and awaited with a bound and the caller's cancellation.
 */

import type { CacheStore } from "../store/mod.ts";

/** A waiting call's subscription to its entry's channel. */
export interface Mailbox {
  readonly subscribed: boolean;
  subscribe(store: CacheStore, key: string): Promise<void>;
  /** The next message, or undefined after `waitMs` or when `signal` aborts. */
  next(waitMs: number, signal: AbortSignal): Promise<string | undefined>;
  close(): void;
}

/** Creates an unsubscribed mailbox; raises nothing (`subscribe` raises the store's errors). */
export function createMailbox(): Mailbox {
  const queue: string[] = [];
  let wake: (() => void) | undefined;
  let unsubscribe: (() => void) | undefined;
  return {
    get subscribed() {
      return unsubscribe !== undefined;
    },
    async subscribe(store, key) {
      unsubscribe = await store.subscribe(key, (message) => {
        queue.push(message);
        wake?.();
      });
    },
    async next(waitMs, signal) {
      if (queue.length === 0 && waitMs > 0 && !signal.aborted) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, waitMs);
          function done() {
            clearTimeout(timer);
            signal.removeEventListener("abort", done);
            wake = undefined;
            resolve();
          }
          wake = done;
          signal.addEventListener("abort", done, { once: true });
        });
      }
      return queue.shift();
    },
    close() {
      unsubscribe?.();
      unsubscribe = undefined;
    },
  };
}
