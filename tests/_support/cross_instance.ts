/**
 * Several gateway processes acting as one (no stickiness), for end-to-end tests: what they must
 * share (master key, store, Redis and its prefix), waits for their session and parked-call
 * channels, and a fetch that sends a client's JSON-RPC requests to one instance and everything
 * else to another.
 */

import assert from "node:assert/strict";
import { generateMasterKey } from "../../lib/credentials/mod.ts";
import { type Gateway, waitUntil } from "./gateway.ts";
import { REDIS_TEST_URL } from "./redis.ts";

/**
 * The env every instance of one cluster gets (pass it to `startGateway`): one master key (session
 * ids open anywhere), one embedded store directory (client keys), one Redis and prefix (session
 * messages, fan-out, limits). Call once per cluster; `masterKey` defaults to a fresh one.
 */
export function clusterEnv(
  options: { prefix: string; dataDir: string; masterKey?: string },
): Record<string, string> {
  return {
    NEXUS_DATA_DIR: options.dataDir,
    NEXUS_MASTER_KEY: options.masterKey ?? generateMasterKey(),
    NEXUS_REDIS_URL: REDIS_TEST_URL,
    NEXUS_REDIS_PREFIX: options.prefix,
  };
}

/** Waits until `gateway` listens for other instances' 2025 session messages. */
export function sessionChannelReady(gateway: Gateway): Promise<void> {
  return listeningFor(gateway, "session messages");
}

/** Waits until `gateway` listens for retries of the calls it holds parked (its Redis inbox). */
export function parkedChannelReady(gateway: Gateway): Promise<void> {
  return listeningFor(gateway, "parked-call retries");
}

/**
 * Waits until `gateway` logs "Listening for `what`": its subscription to a Redis channel is in
 * place; fails with the gateway's log after `timeoutMs`.
 */
export async function listeningFor(
  gateway: Gateway,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const listening = () =>
    gateway.stderrLines().some((line) => line.includes(`Listening for ${what}`));
  assert.ok(await waitUntil(listening, timeoutMs), gateway.stderrLines().join("\n"));
}

/**
 * A fetch as bearer `key`: JSON-RPC requests to `requests`; everything else (answers,
 * notifications, the GET stream, DELETE) to `rest`. `seen` records `A:<method>` for what went to
 * `requests` and `B:<method | "answer" | HTTP method>` for the rest.
 */
export function splitFetch(
  key: string,
  requests: Gateway,
  rest: Gateway,
  seen: string[],
): typeof fetch {
  return async (_input, init) => {
    const headers = new Headers(init?.headers);
    headers.set("authorization", `Bearer ${key}`);
    const body = typeof init?.body === "string" ? JSON.parse(init.body) : undefined;
    const isRequest = body !== undefined && "method" in body && "id" in body;
    const what = body === undefined ? init?.method : body.method ?? "answer";
    seen.push(`${isRequest ? "A" : "B"}:${what}`);
    return await fetch((isRequest ? requests : rest).mcpUrl, { ...init, headers });
  };
}
