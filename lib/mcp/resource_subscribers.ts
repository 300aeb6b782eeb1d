/**
 * Who subscribed to which resource with a 2025-era `resources/subscribe`: a subscriber is one
 * stdio connection, or (stateless HTTP, where there is no session) one principal's notification
 * streams. Each (subscriber, URI) pair holds one count of the gateway's upstream subscription.
 */

import type { UpstreamSubscriptions } from "../upstreams/mod.ts";

/** The 2025-era resource subscribers of one transport. */
export interface ResourceSubscribers {
  /**
   * Records `key`'s subscription to `uri` at `upstream` (idempotent); the first subscriber of a
   * URI makes the gateway subscribe upstream. Rejects when that fails; nothing is recorded then.
   */
  add(key: string, uri: string, upstream: UpstreamSubscriptions): Promise<void>;
  /** Drops `key`'s subscription to `uri` (no-op when absent). */
  remove(key: string, uri: string): void;
  /** Drops every subscription of `key` (its stream or connection is gone). */
  removeAll(key: string): void;
  /** Whether `key` subscribed to `uri`. */
  has(key: string, uri: string): boolean;
  /** The subscribers of `uri`. */
  keysFor(uri: string): string[];
  /** Drops everything. */
  clear(): void;
}

/** Most URIs one subscriber may hold; a bound on what a client can make the gateway keep. */
export const MAX_SUBSCRIPTIONS_PER_SUBSCRIBER = 256;

/**
 * Creates an empty set of subscribers.
 * Raises nothing itself; `add` raises RATE_LIMITED past the per-subscriber bound.
 */
export function createResourceSubscribers(
  onLimit: (key: string) => Error,
): ResourceSubscribers {
  const byKey = new Map<string, Map<string, UpstreamSubscriptions>>();

  function remove(key: string, uri: string): void {
    const own = byKey.get(key);
    const upstream = own?.get(uri);
    if (own === undefined || upstream === undefined) return;
    own.delete(uri);
    if (own.size === 0) byKey.delete(key);
    upstream.release(uri);
  }

  return {
    async add(key, uri, upstream) {
      if (byKey.get(key)?.has(uri)) return;
      if ((byKey.get(key)?.size ?? 0) >= MAX_SUBSCRIPTIONS_PER_SUBSCRIBER) throw onLimit(key);
      await upstream.acquire(uri);
      let own = byKey.get(key);
      if (own === undefined) byKey.set(key, own = new Map());
      // Why release on a race: two subscribes of the same pair may both have acquired.
      if (own.has(uri)) upstream.release(uri);
      else own.set(uri, upstream);
    },
    remove,
    removeAll(key) {
      for (const uri of [...(byKey.get(key)?.keys() ?? [])]) remove(key, uri);
    },
    has: (key, uri) => byKey.get(key)?.has(uri) ?? false,
    keysFor(uri) {
      const keys: string[] = [];
      for (const [key, own] of byKey) if (own.has(uri)) keys.push(key);
      return keys;
    },
    clear() {
      for (const key of [...byKey.keys()]) this.removeAll(key);
    },
  };
}
