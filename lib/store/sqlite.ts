/**
 * Helpers for the embedded SQLite store shared by every repository on it.
 */

import type { DatabaseSync } from "node:sqlite";

/**
 * Runs `fn` in a `BEGIN IMMEDIATE` transaction (the write lock is taken at once, so two processes
 * never both read and then both write). `fn` must be synchronous.
 */
export function transaction<T>(db: DatabaseSync, fn: () => T): T {
  db.exec("BEGIN IMMEDIATE");
  try {
    const result = fn();
    db.exec("COMMIT");
    return result;
  } catch (error) {
    db.exec("ROLLBACK");
    throw error;
  }
}

/**
 * A repository whose synchronous throws (`node:sqlite` is synchronous) become rejections, so its
 * callers see one failure path, as they do with Postgres.
 */
export function rejectingThrows<T extends object>(repo: T): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(repo) as [string, (...a: unknown[]) => unknown][]) {
    wrapped[name] = (...args: unknown[]) => {
      try {
        return method(...args);
      } catch (error) {
        return Promise.reject(error);
      }
    };
  }
  return wrapped as T;
}
