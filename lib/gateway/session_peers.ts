/**
 * 2025 sessions across gateway instances sharing Redis (the sibling of `fanout.ts`): client
 * messages for a call another instance serves, session ends and 2025 resource subscriptions, on one pub/sub channel under the
 * Redis prefix; ended sessions as keys that expire with their id. Without Redis the sessions keep
 * to this instance (`localSessionPeers`). Redis faults are logged and never break serving: a lost
 * message is an answer the waiting call does not get (it times out as if the client never
 * answered); a revocation check that fails lets the id (still bound to its owner) through.
 */

import type { Logger } from "../log.ts";
import { localSessionPeers, type SessionPeerEvent, type SessionPeers } from "../mcp/mod.ts";
import { type RedisConnection, redisKey } from "../store/mod.ts";
import { parsePeerMessage, subscribeUntilTaken } from "./redis_channel.ts";

// Why: a Redis outage would otherwise log one warning per session request.
const CHECK_WARN_INTERVAL_MS = 10_000;

/** The session channel over `redis`, or the local one without it. Raises nothing. */
export function openSessionPeers(
  redis: RedisConnection | undefined,
  options: { prefix: string; logger: Logger },
): SessionPeers {
  if (redis === undefined) return localSessionPeers();
  const { logger } = options;
  const channel = redisKey(options.prefix, "sessionChannel", "messages");
  const instance = crypto.randomUUID();
  const receivers = new Set<(event: SessionPeerEvent) => void>();
  let closed = false;
  const onMessage = (message: string) => {
    const event = parseEvent(message, instance);
    if (event === undefined) return;
    for (const receive of receivers) {
      try {
        receive(event);
      } catch (error) {
        logger.error("Cannot apply a session message from another instance", { error });
      }
    }
  };
  const stop = subscribeUntilTaken(redis, channel, {
    receive: onMessage,
    logger,
    labels: {
      listening: "Listening for session messages from other instances",
      retrying: "Cannot subscribe to session messages yet",
    },
  });
  let lastCheckWarning = -Infinity;
  const endedKey = (sid: string) => redisKey(options.prefix, "sessionEnded", sid);
  return {
    publish(event) {
      if (closed) return;
      redis.command(["PUBLISH", channel, JSON.stringify({ from: instance, ...event })]).catch(
        (error) => logger.warn("Cannot send a session message to other instances", { error }),
      );
    },
    listen(receiver) {
      receivers.add(receiver);
    },
    async revoke(sid, untilMs) {
      const ttlMs = Math.max(1, Math.ceil(untilMs - Date.now()));
      await redis.command(["SET", endedKey(sid), "1", "PX", String(ttlMs)]).catch((error) =>
        logger.warn("Cannot record an ended session", { error })
      );
    },
    async isRevoked(sid) {
      try {
        return await redis.command(["EXISTS", endedKey(sid)]) === 1;
      } catch (error) {
        if (Date.now() - lastCheckWarning >= CHECK_WARN_INTERVAL_MS) {
          lastCheckWarning = Date.now();
          logger.warn("Cannot check whether a session ended: serving it", { error });
        }
        return false;
      }
    },
    close() {
      closed = true;
      stop();
    },
  };
}

function parseEvent(message: string, instance: string): SessionPeerEvent | undefined {
  const parsed = parsePeerMessage(message, instance);
  if (parsed === undefined) return undefined;
  if (
    parsed.kind === "subscription" && typeof parsed.key === "string" &&
    typeof parsed.uri === "string"
  ) {
    return {
      kind: "subscription",
      key: parsed.key,
      uri: parsed.uri,
      subscribed: !!parsed.subscribed,
    };
  }
  if (typeof parsed.sid !== "string") return undefined;
  if (parsed.kind === "ended") return { kind: "ended", sid: parsed.sid };
  if (parsed.kind === "messages" && Array.isArray(parsed.messages)) {
    return { kind: "messages", sid: parsed.sid, messages: parsed.messages };
  }
  return undefined;
}
