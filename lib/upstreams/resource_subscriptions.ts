/**
 * The gateway's own resource subscriptions at one upstream, shared by every client: the first
 * client that subscribes to a URI makes the gateway subscribe upstream, the last one to leave
 * ends it. A 2026-07-28 upstream is asked through a `subscriptions/listen` stream per URI
 * (`resourceSubscriptions: [uri]`), a 2025 upstream with `resources/subscribe`.
 *
 * A subscription lost with its connection (a listen stream the upstream ended, or a new client
 * after a reconnect or a child restart) is made again by `renew()`, which the upstream set calls
 * on its retry timer; a lost listen stream is renewed at once too. The same goes for the list-change
 * stream the SDK opens on a 2026-07-28 upstream (`ClientOptions.listChanged`), which the SDK
 * itself never re-opens once the upstream ended it.
 */

import type { Client, McpSubscription } from "@modelcontextprotocol/client";
import type { Logger } from "../log.ts";
import type { UpstreamConnection } from "./connection.ts";

/** Reference-counted subscriptions at one upstream. */
export interface UpstreamSubscriptions {
  /** Counts one more subscriber of `uri`; the first subscribes upstream. Rejects when that fails. */
  acquire(uri: string): Promise<void>;
  /** Counts one subscriber less; the last unsubscribes upstream (failures are only logged). */
  release(uri: string): void;
  /** Subscribes again where a subscription (or the list-change stream) was lost; never rejects. */
  renew(): Promise<void>;
  /** How many URIs are subscribed upstream now. */
  size(): number;
  /** Ends every upstream subscription; never rejects. */
  close(): Promise<void>;
}

/** One subscription made upstream. */
interface Made {
  /** The client it was made on (a new client means it is gone). */
  client: Client;
  /** Ends it upstream. */
  end: () => Promise<void>;
  /** Set when the upstream ended it (a listen stream closed remotely). */
  lost: boolean;
}

interface Held {
  count: number;
  ready: Promise<Made>;
}

/** Creates the subscriptions of `connection`; nothing is sent until the first `acquire`. */
export function createUpstreamSubscriptions(
  connection: UpstreamConnection,
  options: { timeoutMs: number; logger: Logger },
): UpstreamSubscriptions {
  const held = new Map<string, Held>();
  let closed = false;
  const listChanges = new WeakMap<Client, { lost: boolean; filter: object }>();

  function watchListChanges(client: Client, subscription: McpSubscription | undefined): void {
    if (subscription === undefined) return;
    const state = { lost: false, filter: subscription.honoredFilter };
    listChanges.set(client, state);
    void subscription.closed.then((how) => {
      if (how === "local") return;
      state.lost = true;
      void renewListChanges(client);
    });
  }

  async function renewListChanges(client: Client): Promise<void> {
    if (!listChanges.has(client) && isModern(client)) {
      watchListChanges(client, client.autoOpenedSubscription);
    }
    const state = listChanges.get(client);
    if (closed || state === undefined || !state.lost) return;
    try {
      const subscription = await client.listen(state.filter, { timeout: options.timeoutMs });
      options.logger.info("Upstream list-change stream renewed");
      watchListChanges(client, subscription);
    } catch (error) {
      options.logger.debug("Cannot renew the upstream list-change stream", { error });
    }
  }

  async function subscribe(uri: string): Promise<Made> {
    const client = await connection.client();
    const request = { timeout: options.timeoutMs };
    if (isModern(client)) {
      const subscription = await client.listen({ resourceSubscriptions: [uri] }, request);
      const made: Made = { client, end: () => subscription.close(), lost: false };
      void subscription.closed.then((how) => {
        // Why graceful too: an upstream that shuts down ends its streams gracefully.
        if (how === "local") return;
        made.lost = true;
        void renew();
      });
      return made;
    }
    if (client.getServerCapabilities()?.resources?.subscribe !== true) {
      // Why not an error: the URI is still readable; the upstream just never announces updates.
      options.logger.debug("Upstream offers no resource subscriptions", { uri });
      return { client, end: () => Promise.resolve(), lost: false };
    }
    await client.subscribeResource({ uri }, request);
    return {
      client,
      end: async () => {
        await client.unsubscribeResource({ uri }, request);
      },
      lost: false,
    };
  }

  async function renew(): Promise<void> {
    if (closed) return;
    let client: Client;
    try {
      client = await connection.client();
    } catch {
      return;
    }
    await renewListChanges(client);
    for (const [uri, entry] of held) {
      const made = await entry.ready.catch(() => undefined);
      if (made !== undefined && made.client === client && !made.lost) continue;
      if (closed || held.get(uri) !== entry) continue;
      // Why not end the old one: the upstream ended it, or it died with its client.
      entry.ready = subscribe(uri);
      entry.ready.then(
        () => options.logger.info("Upstream resource subscription renewed", { uri }),
        (error) =>
          options.logger.debug("Cannot renew upstream resource subscription", { uri, error }),
      );
    }
  }

  return {
    async acquire(uri) {
      const current = held.get(uri);
      if (current !== undefined) {
        current.count++;
        await current.ready;
        return;
      }
      const entry: Held = { count: 1, ready: subscribe(uri) };
      held.set(uri, entry);
      try {
        await entry.ready;
      } catch (error) {
        if (held.get(uri) === entry) held.delete(uri);
        throw error;
      }
    },
    release(uri) {
      const entry = held.get(uri);
      if (entry === undefined) return;
      if (--entry.count > 0) return;
      held.delete(uri);
      void entry.ready.then((made) => made.end()).catch((error) =>
        options.logger.debug("Cannot end upstream resource subscription", { uri, error })
      );
    },
    renew,
    size: () => held.size,
    async close() {
      closed = true;
      const all = [...held.values()];
      held.clear();
      await Promise.all(all.map((entry) => entry.ready.then((made) => made.end()).catch(() => {})));
    },
  };
}

function isModern(client: Client): boolean {
  const version = client.getNegotiatedProtocolVersion();
  return version !== undefined && version >= "2026-07-28";
}
