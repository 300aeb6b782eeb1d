/**
 * Redis for integration tests: the shared test Redis (`NEXUS_TEST_REDIS_URL`, default
 * `redis://127.0.0.1:6379`) under a key prefix of the test's own, and private `redis-server`
 * children for tests that stop and restart Redis (never the shared one).
 *
 * Without Redis a test is skipped and says why; with `CI=true` it fails instead.
 */

import assert from "node:assert/strict";
import { silentLogger } from "../../lib/log.ts";
import { openRedis, type RedisConnection } from "../../lib/store/mod.ts";

/** The shared test Redis. */
export const REDIS_TEST_URL = Deno.env.get("NEXUS_TEST_REDIS_URL") ?? "redis://127.0.0.1:6379";

const IN_CI = Deno.env.get("CI") === "true";
const sharedReachable = await pingRedisPatiently(REDIS_TEST_URL);
const serverBinary = await findRedisServer();

/**
 * `Deno.test` for a test that needs the shared Redis: skipped (with the reason in its name) when
 * Redis does not answer, failing instead under `CI=true`.
 */
export function redisTest(name: string, fn: (t: Deno.TestContext) => Promise<void>): void {
  registerNeeding(name, fn, sharedReachable ? undefined : `no Redis at ${REDIS_TEST_URL}`);
}

/** `Deno.test` for a test that starts its own `redis-server` children; skip rules as above. */
export function redisServerTest(name: string, fn: () => Promise<void>): void {
  registerNeeding(name, fn, serverBinary ? undefined : "no redis-server binary on PATH");
}

function registerNeeding(
  name: string,
  fn: (t: Deno.TestContext) => Promise<void>,
  missing: string | undefined,
) {
  if (missing === undefined) return Deno.test({ name, fn, sanitizeResources: false });
  if (IN_CI) {
    return Deno.test(name, () => {
      throw new Error(`Redis is required in CI (CI=true): ${missing}`);
    });
  }
  Deno.test({ name: `${name} (skipped: ${missing})`, ignore: true, fn });
}

/** A key prefix no other test run uses. */
export function testPrefix(label: string): string {
  return `test:${label}:${crypto.randomUUID().slice(0, 8)}`;
}

/** A connection to the shared test Redis that deletes the prefix's keys when disposed. */
export function openTestRedis(
  prefix: string,
  options: { timeoutMs?: number } = {},
): RedisConnection & AsyncDisposable {
  const redis = openRedis(REDIS_TEST_URL, {
    logger: silentLogger,
    timeoutMs: options.timeoutMs ?? 2000,
  });
  return Object.assign(redis, {
    async [Symbol.asyncDispose]() {
      await deleteKeys(redis, prefix);
      await redis.close();
    },
  });
}

/** Waits until `redis` answers PING (a fresh connection is not ready at once). */
export async function untilReady(redis: RedisConnection, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      assert.equal(await redis.command(["PING"]), "PONG");
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** Deletes every key whose hash tag starts with `prefix` (keys are `{prefix:…}…`). */
export async function deleteKeys(redis: RedisConnection, prefix: string): Promise<void> {
  let cursor = "0";
  do {
    const reply = await redis.command(["SCAN", cursor, "MATCH", `{${prefix}:*`, "COUNT", "1000"]);
    const [next, keys] = reply as [string, string[]];
    cursor = next;
    if (keys.length > 0) await redis.command(["DEL", ...keys]);
  } while (cursor !== "0");
}

/** A private `redis-server` child on a free port. */
export interface RedisServer {
  url: string;
  port: number;
  /** Stops the server (SIGTERM) and waits for it; idempotent. */
  stop(): Promise<void>;
  /** Starts it again on the same port (after `stop`). */
  start(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Starts a private, non-persistent `redis-server` on a free port and waits until it answers. */
export async function startRedisServer(): Promise<RedisServer> {
  const port = freePort();
  let child: Deno.ChildProcess | undefined;
  async function start(): Promise<void> {
    child = new Deno.Command("redis-server", {
      args: ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      stdout: "null",
      stderr: "null",
    }).spawn();
    const url = `redis://127.0.0.1:${port}`;
    const deadline = Date.now() + 5000;
    while (!(await pingRedis(url))) {
      if (Date.now() > deadline) throw new Error(`redis-server did not start on port ${port}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  async function stop(): Promise<void> {
    const running = child;
    child = undefined;
    if (!running) return;
    running.kill("SIGTERM");
    await running.status;
  }
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    start,
    [Symbol.asyncDispose]: stop,
  };
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** Whether a Redis at `url` answers PING within a second (plain TCP, no client library). */
// Why: every test file loads this module at once under `--parallel` on two cores; one slow answer
// must not mark Redis absent for a whole file, so a failed ping is retried for a few seconds.
async function pingRedisPatiently(url: string): Promise<boolean> {
  const deadline = Date.now() + 5_000;
  while (true) {
    if (await pingRedis(url)) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function pingRedis(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  let conn: Deno.TcpConn | undefined;
  const timer = setTimeout(() => conn?.close(), 1000);
  try {
    conn = await Deno.connect({ hostname, port: Number(port || 6379) });
    await conn.write(new TextEncoder().encode("PING\r\n"));
    const buffer = new Uint8Array(64);
    const read = await conn.read(buffer);
    return read !== null && new TextDecoder().decode(buffer.subarray(0, read)).startsWith("+PONG");
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
    try {
      conn?.close();
    } catch {
      // already closed by the timer
    }
  }
}

async function findRedisServer(): Promise<boolean> {
  try {
    const { success } = await new Deno.Command("redis-server", { args: ["--version"] }).output();
    return success;
  } catch {
    return false;
  }
}
