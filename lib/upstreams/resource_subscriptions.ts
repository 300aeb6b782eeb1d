/**
 * The gateway's own resource subscriptions at one upstream, shared by every client: the first
 * client that subscribes to a URI makes the gateway subscribe upstream, the last one to leave
 * ends it. A 2026-07-28 upstream is asked through a `subscriptions/listen` stream per URI
 * (`resourceSubscriptions: [uri]`), a 2025 upstream with `resources/subscribe`.
 */

import type { Client } from "@modelcontextprotocol/client";
import type { Logger } from "../log.ts";
import type { UpstreamConnection } from "./connection.ts";

/** Reference-counted subscriptions at one upstream. */
export interface UpstreamSubscriptions {
  /** Counts one more subscriber of `uri`; the first subscribes upstream. Rejects when that fails. */
  acquire(uri: string): Promise<void>;
  /** Counts one subscriber less; the last unsubscribes upstream (failures are only logged). */
  release(uri: string): void;
  /** How many URIs are subscribed upstream now. */
  size(): number;
  /** Ends every upstream subscription; never rejects. */
  close(): Promise<void>;
}

interface Held {
  count: number;
  ready: Promise<() => Promise<void>>;
}

/** Creates the subscriptions of `connection`; nothing is sent until the first `acquire`. */
export function createUpstreamSubscriptions(
  connection: UpstreamConnection,
  options: { timeoutMs: number; logger: Logger },
): UpstreamSubscriptions {
  const held = new Map<string, Held>();

  async function subscribe(uri: string): Promise<() => Promise<void>> {
    const client = await connection.client();
    const request = { timeout: options.timeoutMs };
    if (isModern(client)) {
      const subscription = await client.listen({ resourceSubscriptions: [uri] }, request);
      return () => subscription.close();
    }
    if (client.getServerCapabilities()?.resources?.subscribe !== true) {
      // Why not an error: the URI is still readable; the upstream just never announces updates.
      options.logger.debug("Upstream offers no resource subscriptions", { uri });
      return () => Promise.resolve();
    }
    await client.subscribeResource({ uri }, request);
    return async () => {
      await client.unsubscribeResource({ uri }, request);
    };
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
      void entry.ready.then((end) => end()).catch((error) =>
        options.logger.debug("Cannot end upstream resource subscription", { uri, error })
      );
    },
    size: () => held.size,
    async close() {
      const all = [...held.values()];
      held.clear();
      await Promise.all(all.map((entry) => entry.ready.then((end) => end()).catch(() => {})));
    },
  };
}

function isModern(client: Client): boolean {
  const version = client.getNegotiatedProtocolVersion();
  return version !== undefined && version >= "2026-07-28";
}
