/**
 * What 2025-era sessions share between gateway instances: client messages that belong to a call
 * another instance serves (an answer to its `elicitation/create`, `sampling/createMessage` or
 * `roots/list`, or a `notifications/cancelled` of it), and the end of a session (`DELETE`). The
 * gateway implements it over Redis (`lib/gateway/session_peers.ts`); without Redis
 * {@linkcode localSessionPeers} keeps revocations in memory and crosses nothing.
 */

/** One event between instances. */
export type SessionPeerEvent =
  /** JSON-RPC messages a client sent to session `sid` that this instance does not serve. */
  | { kind: "messages"; sid: string; messages: unknown[] }
  /** Session `sid` was ended by `DELETE`: drop its server. */
  | { kind: "ended"; sid: string }
  /** Subscriber `key` (a principal) subscribed to `uri`, or unsubscribed, on the sender. */
  | { kind: "subscription"; key: string; uri: string; subscribed: boolean };

/** The session channel of one instance. */
export interface SessionPeers {
  /** Sends `event` to the other instances; raises nothing (faults are logged). */
  publish(event: SessionPeerEvent): void;
  /** Adds a receiver of the other instances' events (never this instance's own). */
  listen(receive: (event: SessionPeerEvent) => void): void;
  /** Records that session `sid` ended, until `untilMs` (epoch ms, its id's expiry). */
  revoke(sid: string, untilMs: number): Promise<void>;
  /** Whether session `sid` ended; a store fault answers false (logged). */
  isRevoked(sid: string): Promise<boolean>;
  /** Stops listening. */
  close(): void;
}

/** Peers of a lone instance: revocations in memory, nothing published. Raises nothing. */
export function localSessionPeers(now: () => number = Date.now): SessionPeers {
  const ended = new Map<string, number>();
  return {
    publish() {},
    listen() {},
    revoke(sid, untilMs) {
      // Why prune here: an entry outlives its id's expiry for nothing; DELETEs are rare.
      for (const [key, until] of ended) if (until <= now()) ended.delete(key);
      ended.set(sid, untilMs);
      return Promise.resolve();
    },
    isRevoked: (sid) => Promise.resolve((ended.get(sid) ?? 0) > now()),
    close() {},
  };
}
