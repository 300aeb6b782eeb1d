/**
 * Several real gateway processes as one deployment: one Postgres store (a schema of the test's
 * own), one Redis (a key prefix of the test's own), one master key, a tools directory per
 * instance holding the same files (as each pod reads its own copy), and the real nginx in front
 * (tests/_support/nginx.ts). One client key and one admin key are in the store before the
 * instances start, so every MCP request authenticates against Postgres, as in production.
 * `await using` stops everything and drops the schema and the Redis keys. Also: reading requests
 * back from nginx's access log by call id, and a raw 2026-07-28 listen stream.
 */

import assert from "node:assert/strict";
import { generateMasterKey } from "../../lib/credentials/mod.ts";
import { openTestStore, POSTGRES_PROBLEM, TEST_DATABASE_URL } from "../store/_stores.ts";
import { createClientKey } from "./auth_fixtures.ts";
import { PATIENT_REDIS_ENV } from "./cluster.ts";
import { listeningFor } from "./cross_instance.ts";
import { type Gateway, rpcBody, rpcHeaders, startGateway } from "./gateway.ts";
import {
  type AccessRecord,
  type ClusterNginx,
  type NginxOptions,
  startClusterNginx,
} from "./nginx.ts";
import { openTestRedis, REDIS_TEST_URL, testPrefix } from "./redis.ts";
import { createToolsDir, type ToolsDir } from "./registry_fixtures/tools_dir.ts";
import { SLOW_TOOL as BASE_SLOW_TOOL } from "./slow_tool.ts";

/** `slow_echo` and `fast_echo`, the cluster workload's tools. */
export const SLOW_TOOL = `${BASE_SLOW_TOOL}
export const fastEcho = defineTool({
  name: "fast_echo",
  description: "Echoes the text.",
  input: z.object({ text: z.string() }),
  handler({ text }) {
    return { content: [{ type: "text", text }] };
  },
});
`;

/** One instance of the deployment. */
export interface Instance {
  gateway: Gateway;
  /** Its own tools directory. */
  tools: ToolsDir;
  /** `127.0.0.1:port`, as nginx logs it. */
  address: string;
}

/** Gateways sharing Postgres and Redis behind nginx. */
export interface NginxCluster extends AsyncDisposable {
  instances: Instance[];
  nginx: ClusterNginx;
  /** nginx's MCP endpoint. */
  mcpUrl: string;
  /** A client key (every tool) and an admin key (`/metrics`, `/admin`). */
  keys: { client: string; admin: string };
}

/** Options of {@linkcode startNginxCluster}. */
export interface NginxClusterOptions {
  /** Files of every instance's tools directory (default: {@linkcode SLOW_TOOL}). */
  files?: Record<string, string>;
  /** Instances (by index) that watch their tools directory (default: none). */
  hotReload?: number[];
  /** More env for every instance. */
  env?: Record<string, string>;
  /** nginx tuning (tests/_support/nginx.ts). */
  nginx?: NginxOptions;
}

/**
 * Starts `size` gateways and nginx; waits until each instance listens for the others' changes.
 * @throws Error naming what is missing when Postgres does not answer.
 */
export async function startNginxCluster(
  size: number,
  options: NginxClusterOptions = {},
): Promise<NginxCluster> {
  assert.equal(POSTGRES_PROBLEM, undefined, `the cluster test needs Postgres: ${POSTGRES_PROBLEM}`);
  const prefix = testPrefix("cluster");
  const store = await openTestStore("postgres");
  // Why: disposing it deletes the prefix's keys (rate windows, cache, fan-out leave none behind).
  const redis = openTestRedis(prefix);
  const env = {
    NEXUS_DATABASE_URL: `${TEST_DATABASE_URL}?search_path=${store.isolation}`,
    NEXUS_MASTER_KEY: generateMasterKey(),
    NEXUS_REDIS_URL: REDIS_TEST_URL,
    NEXUS_REDIS_PREFIX: prefix,
    NEXUS_DEMO_API: "false",
    ...PATIENT_REDIS_ENV,
    ...options.env,
  };
  const keys = { client: "", admin: "" };
  const instances: Instance[] = [];
  let nginx: ClusterNginx | undefined;
  async function dispose(): Promise<void> {
    await nginx?.[Symbol.asyncDispose]();
    await Promise.all(instances.map((instance) => instance.gateway.stop()));
    await Promise.all(instances.map((instance) => instance.tools[Symbol.asyncDispose]()));
    await store[Symbol.asyncDispose]();
    await redis[Symbol.asyncDispose]();
  }
  try {
    [keys.client, keys.admin] = await Promise.all([
      createClientKey("workload", env),
      createClientKey("ops", env, ["--admin"]),
    ]);
    const started = await Promise.allSettled(
      Array.from({ length: size }, (_, index) => startInstance(index, env, options)),
    );
    // Why settled: the instances that started are stopped even when another did not start.
    for (const result of started) if (result.status === "fulfilled") instances.push(result.value);
    const failed = started.find((result) => result.status === "rejected");
    if (failed) throw failed.reason;
    for (const instance of instances) await listensForOthers(instance.gateway);
    nginx = await startClusterNginx(
      instances.map((instance) => Number(instance.address.split(":")[1])),
      options.nginx,
    );
  } catch (error) {
    await dispose();
    throw error;
  }
  return {
    instances,
    nginx,
    mcpUrl: `${nginx.url}/mcp`,
    keys,
    [Symbol.asyncDispose]: dispose,
  };
}

async function startInstance(
  index: number,
  env: Record<string, string>,
  options: NginxClusterOptions,
): Promise<Instance> {
  const tools = await createToolsDir(options.files ?? { "slow.ts": SLOW_TOOL });
  const hotReload = options.hotReload?.includes(index) ?? false;
  try {
    const gateway = await startGateway({
      toolsDir: tools.dir,
      env: { ...env, NEXUS_HOT_RELOAD: String(hotReload) },
    });
    return { gateway, tools, address: new URL(gateway.url).host };
  } catch (error) {
    await tools[Symbol.asyncDispose]();
    throw error;
  }
}

/** Waits until `gateway` logs that it listens for other instances' changes. */
export function listensForOthers(gateway: Gateway): Promise<void> {
  return listeningFor(gateway, "changes from other", 15_000);
}

/** `nexus_tool_calls_in_flight` of one instance, read from its `/metrics`. */
export async function callsInFlight(gateway: Gateway, adminKey: string): Promise<number> {
  const response = await fetch(`${gateway.url}/metrics`, {
    headers: { authorization: `Bearer ${adminKey}` },
  });
  const text = await response.text();
  assert.equal(response.status, 200, text);
  const line = text.split("\n").find((l) => l.startsWith("nexus_tool_calls_in_flight"));
  assert.ok(line, "no nexus_tool_calls_in_flight in /metrics");
  return Number(line.split(" ").at(-1));
}

/**
 * nginx's records of the requests whose `x-call-id` are `callIds`, in that order, once each is
 * logged (nginx logs a request when it ends).
 */
export async function loggedRecords(
  nginx: ClusterNginx,
  callIds: readonly string[],
): Promise<AccessRecord[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const records = await nginx.records();
    const found = callIds.map((id) => records.find((record) => record.callId === id));
    if (found.every((record) => record !== undefined)) return found as AccessRecord[];
    assert.ok(Date.now() < deadline, `nginx logged no ${callIds.join(", ")}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A raw 2026-07-28 `subscriptions/listen` stream, read in the background. */
export async function openListenStream(gateway: Gateway, token: string) {
  const message = {
    id: 1,
    method: "subscriptions/listen",
    params: { notifications: { toolsListChanged: true } },
  };
  const response = await fetch(gateway.mcpUrl, {
    method: "POST",
    headers: { ...rpcHeaders("2026-07-28", message), authorization: `Bearer ${token}` },
    body: JSON.stringify(rpcBody("2026-07-28", message)),
  });
  assert.equal(response.status, 200);
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  const reading = (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      text += value;
    }
  })().catch(() => {});
  return {
    text: () => text,
    cancel: async () => {
      await reader.cancel().catch(() => {});
      await reading;
    },
  };
}
