/**
 * Embedded mode's cache state: payloads, flight locks and outcome notifications in this process,
 * with the exact semantics of the Redis scripts (lock expiry, token checks, publish on settle).
 * Memory is bounded: entries expire with their ttl and the oldest go first past `maxBytes`.
 */

import type { CacheLookup, CacheSettlement, CacheStore } from "../store/mod.ts";

/** Default bound on the payload bytes held in memory. */
export const DEFAULT_MEMORY_BYTES = 64 * 1024 * 1024;

interface Entry {
  payload: string;
  expiresAt: number;
  bytes: number;
}

/** In-process cache state; raises nothing. `now` is injectable for tests. */
export function createMemoryCacheStore(
  options: { now?: () => number; maxBytes?: number } = {},
): CacheStore {
  const now = options.now ?? Date.now;
  const maxBytes = options.maxBytes ?? DEFAULT_MEMORY_BYTES;
  const values = new Map<string, Entry>();
  const locks = new Map<string, { token: string; expiresAt: number }>();
  const listeners = new Map<string, Set<(message: string) => void>>();
  let totalBytes = 0;

  function read(id: string): string | undefined {
    const entry = values.get(id);
    if (entry && entry.expiresAt > now()) return entry.payload;
    if (entry) remove(id, entry);
    return undefined;
  }
  function remove(id: string, entry: Entry): void {
    values.delete(id);
    totalBytes -= entry.bytes;
  }
  function store(id: string, payload: string, ttlMs: number): void {
    // Why: UTF-16 length * 2 bounds the bytes held without encoding the payload again; the id
    // counts too, since an in-process id may be the call's canonical text (`keyOf`).
    const bytes = (payload.length + id.length) * 2;
    const old = values.get(id);
    if (old) remove(id, old);
    if (bytes > maxBytes) return;
    for (const [oldId, entry] of values) {
      if (totalBytes + bytes <= maxBytes) break;
      remove(oldId, entry);
    }
    values.set(id, { payload, expiresAt: now() + ttlMs, bytes });
    totalBytes += bytes;
  }
  function lockHolder(id: string): { token: string; expiresAt: number } | undefined {
    const lock = locks.get(id);
    if (lock && lock.expiresAt > now()) return lock;
    locks.delete(id);
    return undefined;
  }
  return {
    inProcess: true,
    peek: (id) => Promise.resolve(read(id)),
    lookup(id, token, lockTtlMs): Promise<CacheLookup> {
      const payload = read(id);
      if (payload !== undefined) return Promise.resolve({ kind: "hit", payload });
      const lock = lockHolder(id);
      if (!lock) {
        locks.set(id, { token, expiresAt: now() + lockTtlMs });
        return Promise.resolve({ kind: "lead" });
      }
      return Promise.resolve({ kind: "wait", lockTtlMs: Math.max(1, lock.expiresAt - now()) });
    },
    settle(id, token, settlement: CacheSettlement) {
      if (settlement.store) store(id, settlement.store.payload, settlement.store.ttlMs);
      if (lockHolder(id)?.token === token) locks.delete(id);
      for (const listener of [...listeners.get(id) ?? []]) {
        queueMicrotask(() => listener(settlement.message));
      }
      return Promise.resolve();
    },
    extend(id, token, lockTtlMs) {
      const lock = lockHolder(id);
      if (lock?.token !== token) return Promise.resolve(false);
      lock.expiresAt = now() + lockTtlMs;
      return Promise.resolve(true);
    },
    subscribe(id, listener) {
      let set = listeners.get(id);
      if (!set) listeners.set(id, set = new Set());
      set.add(listener);
      return Promise.resolve(() => {
        set.delete(listener);
        if (set.size === 0) listeners.delete(id);
      });
    },
  };
}
