/**
 * 2025 resource subscriptions across instances. A 2025 client's `resources/subscribe` (a POST)
 * and its GET stream may land on different instances; the subscription is its principal's (there
 * is no session on the GET stream), and a `resources/updated` goes to that principal's streams.
 *
 * The choice: the instance that takes the subscribe holds it (and the upstream subscription, as
 * before) and announces it to the others over the session channel; every instance keeps the
 * announced (principal, URI) pairs, and answers `keysFor(uri)` with its own and the announced
 * ones, so the update (announced by the change fan-out to every instance) reaches the principal's
 * stream wherever it is. An unsubscribe, or the holder dropping the pair, is announced the same
 * way. Without peers this is the local registry unchanged.
 */

import {
  MAX_SUBSCRIPTIONS_PER_SUBSCRIBER,
  type ResourceSubscribers,
} from "./resource_subscribers.ts";
import type { SessionPeers } from "./session_peers.ts";

/** `local` plus the pairs other instances announce, announcing `local`'s own changes; raises nothing. */
export function shareSubscriptions(
  local: ResourceSubscribers,
  peers: SessionPeers,
): ResourceSubscribers {
  // Why per key: the bound one subscriber may hold applies to announced pairs as well.
  const remote = new Map<string, Set<string>>();
  const own = new Map<string, Set<string>>();
  function announce(key: string, uri: string, subscribed: boolean): void {
    peers.publish({ kind: "subscription", key, uri, subscribed });
  }
  function forget(key: string, uri: string): void {
    if (!local.has(key, uri)) return;
    local.remove(key, uri);
    own.get(key)?.delete(uri);
    if (own.get(key)?.size === 0) own.delete(key);
    announce(key, uri, false);
  }
  peers.listen((event) => {
    if (event.kind !== "subscription") return;
    const uris = remote.get(event.key) ?? new Set<string>();
    if (!event.subscribed) uris.delete(event.uri);
    else if (uris.size < MAX_SUBSCRIPTIONS_PER_SUBSCRIBER) uris.add(event.uri);
    if (uris.size === 0) remote.delete(event.key);
    else remote.set(event.key, uris);
  });
  return {
    async add(key, uri, upstream) {
      await local.add(key, uri, upstream);
      const uris = own.get(key) ?? new Set<string>();
      own.set(key, uris.add(uri));
      announce(key, uri, true);
    },
    remove: forget,
    removeAll(key) {
      for (const uri of [...(own.get(key) ?? [])]) forget(key, uri);
    },
    has: (key, uri) => local.has(key, uri),
    keysFor(uri) {
      const keys = new Set(local.keysFor(uri));
      for (const [key, uris] of remote) if (uris.has(uri)) keys.add(key);
      return [...keys];
    },
    clear() {
      for (const key of [...own.keys()]) this.removeAll(key);
      local.clear();
      remote.clear();
    },
  };
}
