/**
 * Helpers for the embedded SQLite store shared by every repository on it.
 *
 * `node:sqlite` is synchronous: a statement that waits for another process's lock waits on the
 * event loop, and every request of every tenant waits with it. So the connection never waits
 * inside SQLite (`busy_timeout` 0, see {@linkcode SQLITE_BUSY_TIMEOUT_MS}); a statement that
 * meets a lock fails at once with "database is locked" and {@linkcode retryBusy} tries it again
 * from a timer, with backoff, until a deadline. WAL mode lets readers run while a writer holds
 * the lock, so only writes ever take that path.
 *
 * Why not a Worker owning the connection: it would move every repository behind a message
 * protocol (the credential refresh lease runs a caller's callback between statements), for a
 * gain this design already has: the loop is held only while SQLite works on our own statements
 * (about 2 ms for a 200-row audit batch, and the audit writer yields between batches), never
 * while another process holds a lock.
 */

import { GatewayError } from "../errors.ts";

/**
 * The embedded connection's `busy_timeout` once it is open: SQLite never sleeps on the event loop.
 */
export const SQLITE_BUSY_TIMEOUT_MS = 0;

/** How long a call keeps retrying a locked database before it fails, unless told otherwise. */
export const BUSY_DEADLINE_MS = 10_000;

/** Pauses between attempts on a locked database, in ms; the last one repeats. */
const BUSY_BACKOFF_MS = [1, 2, 5, 10, 20, 50, 100];

/** Options for {@linkcode retryBusy}; the clock and the pause are injectable for tests. */
export interface BusyRetryOptions {
  /** Give up after this many ms of retrying (default {@linkcode BUSY_DEADLINE_MS}). */
  deadlineMs?: number;
  /** What was being done, for the error: `"write audit records"`. Default `"use the store"`. */
  action?: string;
  /** The clock, in ms (default `Date.now`). */
  now?: () => number;
  /** Waits `ms` between attempts (default a `setTimeout`). */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Runs `fn`, and again after a pause each time it fails because another connection holds a lock
 * on the database, until it succeeds or `deadlineMs` has passed. `fn` must leave nothing changed
 * when it fails (one statement, or a transaction), since it runs again.
 * @throws GatewayError UPSTREAM_TIMEOUT when the database stays locked past the deadline; any
 *   other error of `fn` as it is, at once.
 */
export async function retryBusy<T>(
  fn: () => T | Promise<T>,
  options: BusyRetryOptions = {},
): Promise<T> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? pause;
  const deadlineMs = options.deadlineMs ?? BUSY_DEADLINE_MS;
  const started = now();
  for (let attempt = 0;; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (!isSqliteBusy(error)) throw error;
      const waited = now() - started;
      if (waited >= deadlineMs) throw storeBusy(options.action ?? "use the store", waited, error);
      const backoff = BUSY_BACKOFF_MS[Math.min(attempt, BUSY_BACKOFF_MS.length - 1)]!;
      await sleep(Math.min(backoff, deadlineMs - waited));
    }
  }
}

/**
 * Whether `error` is SQLite's SQLITE_BUSY ("database is locked"): another connection holds a lock
 * and the statement did nothing. `node:sqlite` in Deno reports it only in the message.
 */
export function isSqliteBusy(error: unknown): boolean {
  return error instanceof Error && /\bdatabase is locked\b/i.test(error.message);
}

function storeBusy(action: string, waitedMs: number, cause: unknown): GatewayError {
  return new GatewayError(
    "UPSTREAM_TIMEOUT",
    `Cannot ${action}: the embedded store stayed locked by another process for ${
      Math.round(waitedMs)
    } ms (retry later)`,
    { cause },
  );
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
