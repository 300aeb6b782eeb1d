/**
 * Subscribing to a Redis pub/sub channel that may not be reachable yet: the shared start of the
 * change fan-out (`fanout.ts`), the session channel (`session_peers.ts`) and each instance's
 * parked-call inbox (`parked_peers.ts`), and reading what the shared channels carry.
 */

import type { Logger } from "../log.ts";
import type { RedisConnection } from "../store/mod.ts";

// Why: the subscriber connection may still be connecting at start; retry until it takes.
const SUBSCRIBE_RETRY_MS = 1000;

/** Names the channel's purpose in its log lines. */
export interface ChannelLabels {
  /** Logged once subscribed ("Listening for changes from other instances"). */
  listening: string;
  /** Logged once, at the first failed attempt ("Cannot subscribe to change fan-out yet"). */
  retrying: string;
}

/**
 * Subscribes `receive` to `channel`, retrying every second until it takes; returns the stop,
 * which also ends the retries. Raises nothing (faults are logged).
 */
export function subscribeUntilTaken(
  redis: RedisConnection,
  channel: string,
  options: { receive: (message: string) => void; logger: Logger; labels: ChannelLabels },
): () => void {
  const { logger, labels } = options;
  let closed = false;
  let warned = false;
  let unsubscribe: (() => void) | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;
  const subscribe = async () => {
    retry = undefined;
    try {
      const stop = await redis.subscribe(channel, options.receive);
      if (closed) return stop();
      unsubscribe = stop;
      logger.info(labels.listening, { channel });
    } catch (error) {
      if (closed) return;
      if (!warned) logger.warn(`${labels.retrying}: retrying`, { error });
      warned = true;
      retry = setTimeout(() => void subscribe(), SUBSCRIBE_RETRY_MS);
    }
  };
  void subscribe();
  return () => {
    closed = true;
    clearTimeout(retry);
    unsubscribe?.();
  };
}

/**
 * The JSON object a channel `message` carries, or undefined for a malformed one (not JSON, not an
 * object) or one `instance` published itself. Raises nothing.
 */
export function parsePeerMessage(
  message: string,
  instance: string,
): Record<string, unknown> | undefined {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(message);
  } catch {
    return undefined;
  }
  // Why: a publisher hears its own messages on a shared channel; each one names its `from`.
  if (parsed === null || typeof parsed !== "object" || parsed.from === instance) return undefined;
  return parsed;
}
