/**
 * The gateway's Redis connection: one command connection and one lazily opened subscriber, both
 * reconnecting on their own. Every command is bounded in time, so a slow or absent Redis turns
 * into a prompt error the caller applies its failure policy to, never into a hung call.
 */

import { createClient } from "redis";
import { GatewayError } from "../../errors.ts";
import type { Logger } from "../../log.ts";

/** A reply as node-redis decodes RESP2: strings, integers, nulls and nested arrays. */
export type RedisReply = string | number | null | RedisReply[];

/** Receives one pub/sub message. */
export type MessageListener = (message: string) => void;

/** An open Redis connection. */
export interface RedisConnection {
  /**
   * Sends one command and waits at most `timeoutMs` (the connection's default) for its reply.
   * @throws GatewayError UPSTREAM_UNAVAILABLE when Redis is offline, answers an error or is slow.
   */
  command(args: readonly string[], options?: { timeoutMs?: number }): Promise<RedisReply>;
  /**
   * Listens to `channel` until the returned function is called; one SUBSCRIBE per channel however
   * many listeners share it.
   * @throws GatewayError UPSTREAM_UNAVAILABLE when the subscription cannot be made in time.
   */
  subscribe(channel: string, listener: MessageListener): Promise<() => void>;
  /** Whether the command connection is connected right now. */
  isReady(): boolean;
  /** Closes both connections; pending commands fail. */
  close(): Promise<void>;
}

/** Options of {@linkcode openRedis}. */
export interface RedisOptions {
  /** Receives the client's connection errors (debug); callers see faults as command errors. */
  logger: Logger;
  /** Bound on every command's reply, in ms. */
  timeoutMs: number;
  /** Longest pause between reconnection attempts, in ms (default 2000). */
  maxReconnectDelayMs?: number;
}

// Why: a hung Redis must not let queued commands grow without bound; past this, commands fail fast.
const MAX_QUEUED_COMMANDS = 10_000;
const NOSCRIPT = /^NOSCRIPT\b/;

/**
 * Opens a connection to `url` in the background and returns at once: commands fail fast until it
 * is up, and it reconnects by itself after a fault. Raises nothing.
 */
export function openRedis(url: string, options: RedisOptions): RedisConnection {
  const client = newClient(url, options);
  let closed = false;
  void client.connect().catch(() => {
    // Why: connect() settles only once connected or closed; errors are reported by "error" events.
  });
  const subscriber = createSubscriber(client.duplicate(), options);
  const deadlines = createDeadlines(Math.max(5, Math.min(50, Math.floor(options.timeoutMs / 4))));
  return {
    async command(args, commandOptions) {
      if (closed) throw unavailable("connection closed");
      const timeoutMs = commandOptions?.timeoutMs ?? options.timeoutMs;
      try {
        return await deadlines.bound(client.sendCommand([...args]), timeoutMs) as RedisReply;
      } catch (error) {
        throw toUnavailable(error, args[0] ?? "command");
      }
    },
    subscribe: (channel, listener) => subscriber.subscribe(channel, listener),
    isReady: () => client.isReady,
    async close() {
      if (closed) return;
      closed = true;
      deadlines.stop();
      await subscriber.close();
      client.destroy();
    },
  };
}

/** Whether an error from {@linkcode RedisConnection.command} is Redis's `NOSCRIPT` reply. */
export function isNoScript(error: unknown): boolean {
  return error instanceof GatewayError && NOSCRIPT.test(String(error.data?.reply ?? ""));
}

type Client = ReturnType<typeof newClient>;

// Why: the return type is inferred; node-redis's generic client type is not assignable across its
// module/RESP parameters, so naming it by hand breaks on every minor version.
function newClient(url: string, options: RedisOptions) {
  const maxDelay = options.maxReconnectDelayMs ?? 2000;
  const client = createClient({
    url,
    // Why: while disconnected, fail at once instead of queueing work that would run much later.
    disableOfflineQueue: true,
    commandsQueueMaxLength: MAX_QUEUED_COMMANDS,
    socket: {
      connectTimeout: Math.max(options.timeoutMs, 1000),
      reconnectStrategy: (retries: number) => Math.min(50 * 2 ** Math.min(retries, 10), maxDelay),
    },
  });
  // Why: without a listener an "error" event would crash the process; fault episodes are logged
  // once by the callers (lib/store/redis/fault_tracker.ts), so this stays at debug.
  client.on("error", (error: unknown) => options.logger.debug("Redis connection error", { error }));
  return client;
}

interface Subscriber {
  subscribe(channel: string, listener: MessageListener): Promise<() => void>;
  close(): Promise<void>;
}

/** One channel's listeners and its one subscription (`deliver` is what node-redis calls). */
interface ChannelEntry {
  listeners: Set<MessageListener>;
  deliver: (message: string) => void;
  ready: Promise<void>;
}

/** One shared subscriber connection, opened at once, with listeners counted per channel. */
function createSubscriber(client: Client, options: RedisOptions): Subscriber {
  const channels = new Map<string, ChannelEntry>();
  client.on("error", (error: unknown) => options.logger.debug("Redis subscriber error", { error }));
  void client.connect().catch(() => {});
  function open(channel: string): ChannelEntry {
    const listeners = new Set<MessageListener>();
    const deliver = (message: string) => {
      for (const listener of listeners) listener(message);
    };
    // Why: fail fast while reconnecting, like commands do; the caller's fallback takes over.
    const ready = client.isReady
      ? client.subscribe(channel, deliver)
      : Promise.reject(new Error("The client is offline"));
    ready.catch(() => {});
    return { listeners, deliver, ready };
  }
  function release(channel: string, entry: ChannelEntry, listener: MessageListener): void {
    if (!entry.listeners.delete(listener) || entry.listeners.size > 0) return;
    if (channels.get(channel) === entry) channels.delete(channel);
    // Why: naming this entry's own function removes only it, never a newer entry's subscription
    // to the same channel made while this UNSUBSCRIBE is in flight; also sent while offline, so
    // the client does not resubscribe the channel on reconnect.
    void client.unsubscribe(channel, entry.deliver).catch(() => {});
  }
  return {
    async subscribe(channel, listener) {
      let entry = channels.get(channel);
      if (!entry) channels.set(channel, entry = open(channel));
      const joined = entry;
      joined.listeners.add(listener);
      try {
        await withTimeout(joined.ready, options.timeoutMs);
      } catch (error) {
        release(channel, joined, listener);
        throw toUnavailable(error, "SUBSCRIBE");
      }
      return () => release(channel, joined, listener);
    },
    close() {
      channels.clear();
      client.destroy();
      return Promise.resolve();
    },
  };
}

interface Deadlines {
  /** `promise`, or a rejection once `timeoutMs` have passed without it settling. */
  bound<T>(promise: Promise<T>, timeoutMs: number): Promise<T>;
  stop(): void;
}

/**
 * Command deadlines watched by one interval timer, checked every `tickMs`, so a command may run
 * over by up to one tick. Why not a timer per command: creating and clearing a timer costs about
 * as much as a local Redis round trip (measured with bench/limits.ts).
 */
function createDeadlines(tickMs: number): Deadlines {
  const pending = new Set<{ deadline: number; timeoutMs: number; reject: (e: Error) => void }>();
  const timer = setInterval(() => {
    const now = performance.now();
    for (const entry of pending) {
      if (entry.deadline > now) continue;
      pending.delete(entry);
      entry.reject(new Error(`no reply within ${entry.timeoutMs} ms`));
    }
  }, tickMs);
  Deno.unrefTimer(timer);
  return {
    bound(promise, timeoutMs) {
      return new Promise((resolve, reject) => {
        const entry = { deadline: performance.now() + timeoutMs, timeoutMs, reject };
        pending.add(entry);
        promise.then(
          (value) => (pending.delete(entry), resolve(value)),
          (error) => (pending.delete(entry), reject(error)),
        );
      });
    },
    stop() {
      clearInterval(timer);
      for (const entry of pending) entry.reject(new Error("connection closed"));
      pending.clear();
    },
  };
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no reply within ${timeoutMs} ms`)), timeoutMs);
  });
  promise.catch(() => {}); // Why: a late rejection after the timeout must not go unhandled.
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function toUnavailable(error: unknown, command: string): GatewayError {
  const reason = error instanceof Error ? error.message : String(error);
  return new GatewayError("UPSTREAM_UNAVAILABLE", `Redis ${command} failed: ${reason}`, {
    data: { reply: reason },
    cause: error,
  });
}

function unavailable(reason: string): GatewayError {
  return new GatewayError("UPSTREAM_UNAVAILABLE", `Redis unavailable: ${reason}`);
}
