/**
 * Change fan-out between gateway instances sharing Redis: each instance publishes what changed
 * (tool lists, prompt and resource lists, a resource update, client keys, upstream pins approved
 * through the admin API) on one pub/sub channel
 * under the Redis prefix, and acts on what the others publish, so a change made on one instance
 * reaches the clients of every instance at once. Without Redis (embedded) nothing is published.
 * Redis faults are logged and never break serving: a lost event only delays a change until the
 * instance's own watcher or recheck sees it.
 */

import type { Config } from "../config/mod.ts";
import type { Logger } from "../log.ts";
import { openRedis, type RedisConnection, redisKey } from "../store/mod.ts";
import { parsePeerMessage, subscribeUntilTaken } from "./redis_channel.ts";

/** One change an instance announces to the others. */
export type FanoutEvent =
  | { kind: "tools" }
  | { kind: "lists"; prompts: boolean; resources: boolean }
  | { kind: "updated"; uri: string }
  | { kind: "keys" }
  | { kind: "pins"; upstream: string };

/** The fan-out of one instance. */
export interface Fanout {
  /** Announces `event` to the other instances; raises nothing (faults are logged). */
  publish(event: FanoutEvent): void;
  /** Stops listening. */
  close(): void;
}

/**
 * Listens for other instances' events (`onEvent` gets each one, never this instance's own) and
 * returns the publisher. With no Redis connection both are no-ops. Raises nothing.
 */
export function openFanout(
  redis: RedisConnection | undefined,
  options: { prefix: string; logger: Logger; onEvent: (event: FanoutEvent) => void },
): Fanout {
  if (redis === undefined) return { publish() {}, close() {} };
  const { logger } = options;
  const channel = redisKey(options.prefix, "fanout", "changes");
  const instance = crypto.randomUUID();
  let closed = false;
  const receive = (message: string) => {
    const event = parseEvent(message, instance);
    if (event === undefined) return;
    logger.debug("Change announced by another instance", { kind: event.kind });
    try {
      options.onEvent(event);
    } catch (error) {
      logger.error("Cannot apply a change announced by another instance", { error });
    }
  };
  const stop = subscribeUntilTaken(redis, channel, {
    receive,
    logger,
    labels: {
      listening: "Listening for changes from other instances",
      retrying: "Cannot subscribe to change fan-out yet",
    },
  });
  return {
    publish(event) {
      if (closed) return;
      const message = JSON.stringify({ from: instance, ...event });
      redis.command(["PUBLISH", channel, message]).catch((error) =>
        logger.warn("Cannot announce a change to other instances", { kind: event.kind, error })
      );
    },
    close() {
      closed = true;
      stop();
    },
  };
}

/**
 * Announces `event` once from a process that serves nothing (`nexus upstreams approve`): connects
 * to the configured Redis, publishes on the instances' channel, closes. Returns whether it was
 * published (false without `NEXUS_REDIS_URL`, or when Redis did not answer). Raises nothing.
 */
export async function announceOnce(
  config: Config,
  event: FanoutEvent,
  options: { logger: Logger },
): Promise<boolean> {
  const url = config.redisUrl?.reveal();
  if (url === undefined) return false;
  const redis = openRedis(url, { logger: options.logger, timeoutMs: config.redisTimeoutMs });
  try {
    // Why wait: commands fail fast until the background connection is up.
    const deadline = Date.now() + Math.max(1000, config.redisTimeoutMs);
    while (!redis.isReady() && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const channel = redisKey(config.redisPrefix, "fanout", "changes");
    const message = JSON.stringify({ from: crypto.randomUUID(), ...event });
    await redis.command(["PUBLISH", channel, message]);
    return true;
  } catch (error) {
    options.logger.warn("Cannot announce a change to the instances", { kind: event.kind, error });
    return false;
  } finally {
    await redis.close();
  }
}

/** The event in `message`, or undefined for this instance's own or a malformed one. */
function parseEvent(message: string, instance: string): FanoutEvent | undefined {
  const parsed = parsePeerMessage(message, instance);
  if (parsed === undefined) return undefined;
  switch (parsed.kind) {
    case "tools":
      return { kind: "tools" };
    case "keys":
      return { kind: "keys" };
    case "lists":
      return {
        kind: "lists",
        prompts: parsed.prompts === true,
        resources: parsed.resources === true,
      };
    case "updated":
      return typeof parsed.uri === "string" ? { kind: "updated", uri: parsed.uri } : undefined;
    case "pins":
      return typeof parsed.upstream === "string"
        ? { kind: "pins", upstream: parsed.upstream }
        : undefined;
  }
  return undefined;
}
