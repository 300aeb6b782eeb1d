// deno-lint-ignore-file no-console
/**
 * Per-call cost of the rate-limit and cache stages, in embedded mode and on Redis: the full
 * `callTool` pipeline, sequential calls, against (a) a no-op TypeScript tool and (b) a local HTTP
 * backend. Also counts Redis round trips per call through a small TCP proxy that sees every byte
 * between the gateway code and Redis (a round trip = the client speaking after Redis answered).
 *
 * Usage: deno run --allow-net --allow-read --allow-env --allow-sys bench/limits.ts [--calls N]
 * Redis: NEXUS_BENCH_REDIS_URL (default redis://127.0.0.1:6379), keys under a random prefix,
 * deleted at the end.
 */

import { parseArgs } from "node:util";
import { anonymousPrincipal } from "../lib/auth/mod.ts";
import { createMemoryCacheStore, createResponseCache } from "../lib/cache/mod.ts";
import { createMemoryLimitStore, createRateLimiter, SUB_WINDOWS } from "../lib/limits/mod.ts";
import { silentLogger } from "../lib/log.ts";
import {
  type CallStage,
  createCacheStages,
  createLimitStage,
  createUpstreamStage,
  NO_HOOKS,
} from "../lib/mcp/mod.ts";
import { callTool } from "../lib/mcp/call_pipeline.ts";
import { type ToolDefinition } from "../lib/registry/mod.ts";
import { buildSnapshot } from "../lib/registry/snapshot.ts";
import {
  createRedisCacheStore,
  createRedisLimitStore,
  openRedis,
  type RedisConnection,
} from "../lib/store/mod.ts";

const { values } = parseArgs({ args: Deno.args, options: { calls: { type: "string" } } });
const CALLS = Number(values.calls ?? 5000);
const WARMUP = Math.min(1000, CALLS);
const REDIS_URL = Deno.env.get("NEXUS_BENCH_REDIS_URL") ?? "redis://127.0.0.1:6379";
const caller = { principal: anonymousPrincipal("127.0.0.1"), server: "default" };

// --- the tools: a no-op TS tool and an HTTP tool on a local backend, each with a limit and a cache
const backend = Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen() {} },
  () => Response.json({ id: 42, title: "local item" }),
);
const backendUrl = `http://127.0.0.1:${backend.addr.port}`;
const LIMIT = { perClient: "100000000/min" };
const CACHE = { annotations: { readOnlyHint: true }, cache: { ttlMs: 3_600_000 } };

function tool(name: string, kind: "ts" | "http", extras: Partial<ToolDefinition>): ToolDefinition {
  return {
    name,
    description: "bench",
    inputSchema: { type: "object" },
    backend: kind === "ts" ? { kind: "ts", handler: () => "ok", timeoutMs: 5000 } : {
      kind: "http",
      method: "GET",
      url: `${backendUrl}/item`,
      query: {},
      headers: {},
      timeoutMs: 5000,
      response: { maxBytes: 100_000 },
    },
    source: { file: "bench", line: 1 },
    checkInput: () => [],
    ...extras,
  };
}

const snapshot = buildSnapshot([
  tool("ts_plain", "ts", {}),
  tool("ts_limited", "ts", { rateLimit: LIMIT }),
  tool("ts_cached", "ts", { rateLimit: LIMIT, ...CACHE }),
  tool("http_plain", "http", {}),
  tool("http_limited", "http", { rateLimit: LIMIT }),
  tool("http_cached", "http", { rateLimit: LIMIT, ...CACHE }),
], 1);

function stagesOver(mode: "embedded" | RedisConnection, prefix: string): CallStage[] {
  const redis = mode === "embedded" ? undefined : mode;
  const limiter = createRateLimiter({
    store: redis
      ? createRedisLimitStore(redis, { prefix, subWindows: SUB_WINDOWS })
      : createMemoryLimitStore(),
    logger: silentLogger,
  });
  const cache = createResponseCache({
    store: redis ? createRedisCacheStore(redis, { prefix }) : createMemoryCacheStore(),
    logger: silentLogger,
  });
  const { lookahead, serve } = createCacheStages({ cache });
  return [lookahead, createLimitStage(limiter), serve, createUpstreamStage(limiter)];
}

async function callOnce(name: string, stages: readonly CallStage[]): Promise<void> {
  const result = await callTool(snapshot, { name, arguments: { id: 42 } }, {
    caller,
    signal: new AbortController().signal,
    logger: silentLogger,
    requestId: "bench",
    hooks: { ...NO_HOOKS, stages },
  });
  if (result.isError) throw new Error(`bench call failed: ${JSON.stringify(result)}`);
}

interface Timing {
  meanUs: number;
  p50Us: number;
  p99Us: number;
}

async function measure(name: string, stages: readonly CallStage[], calls = CALLS): Promise<Timing> {
  for (let i = 0; i < WARMUP; i++) await callOnce(name, stages);
  const samples = new Float64Array(calls);
  for (let i = 0; i < calls; i++) {
    const started = performance.now();
    await callOnce(name, stages);
    samples[i] = (performance.now() - started) * 1000;
  }
  samples.sort();
  const mean = samples.reduce((a, b) => a + b, 0) / calls;
  return {
    meanUs: mean,
    p50Us: samples[Math.floor(calls / 2)]!,
    p99Us: samples[Math.floor(calls * 0.99)]!,
  };
}

// --- a TCP proxy in front of Redis counting round trips (direction changes client → Redis)
function startCountingProxy(target: URL) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const stats = { roundTrips: 0 };
  (async () => {
    for await (const client of listener) {
      const server = await Deno.connect({
        hostname: target.hostname,
        port: Number(target.port || 6379),
      });
      let lastFromClient = false;
      const pump = async (from: Deno.Conn, to: Deno.Conn, fromClient: boolean) => {
        const buffer = new Uint8Array(64 * 1024);
        try {
          for (;;) {
            const n = await from.read(buffer);
            if (n === null) break;
            if (fromClient && !lastFromClient) stats.roundTrips++;
            lastFromClient = fromClient;
            let written = 0;
            while (written < n) written += await to.write(buffer.subarray(written, n));
          }
        } catch {
          // connection closed
        }
        try {
          to.close();
        } catch {
          // already closed
        }
      };
      void pump(client, server, true);
      void pump(server, client, false);
    }
  })().catch(() => {});
  return {
    url: `redis://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    stats,
    close: () => listener.close(),
  };
}

async function roundTripsPerCall(name: string, prefix: string): Promise<number> {
  const proxy = startCountingProxy(new URL(REDIS_URL));
  const redis = openRedis(proxy.url, { logger: silentLogger, timeoutMs: 2000 });
  try {
    await untilReady(redis);
    const stages = stagesOver(redis, prefix);
    for (let i = 0; i < 50; i++) await callOnce(name, stages);
    const before = proxy.stats.roundTrips;
    const calls = 200;
    for (let i = 0; i < calls; i++) await callOnce(name, stages);
    return (proxy.stats.roundTrips - before) / calls;
  } finally {
    await redis.close();
    proxy.close();
  }
}

async function untilReady(redis: RedisConnection): Promise<void> {
  for (let i = 0; i < 250; i++) {
    try {
      await redis.command(["PING"]);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  throw new Error(`Redis at ${REDIS_URL} does not answer`);
}

async function deletePrefix(redis: RedisConnection, prefix: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.command([
      "SCAN",
      cursor,
      "MATCH",
      `{${prefix}:*`,
      "COUNT",
      "1000",
    ]) as [string, string[]];
    cursor = next;
    if (keys.length > 0) await redis.command(["DEL", ...keys]);
  } while (cursor !== "0");
}

const us = (n: number) => n.toFixed(1).padStart(8);
const ROUNDS = 3;

interface Setup {
  label: string;
  tool: string;
  stages: readonly CallStage[];
  /** Label of the set-up this one's overhead is measured against. */
  base?: string;
}

/** Measures every set-up in `ROUNDS` interleaved rounds; per set-up, the round with median mean. */
async function measureAll(setups: Setup[]): Promise<Map<string, Timing>> {
  const rounds = new Map<string, Timing[]>();
  for (const setup of setups) await measure(setup.tool, setup.stages, WARMUP); // JIT warm-up
  for (let round = 0; round < ROUNDS; round++) {
    for (const setup of setups) {
      const timing = await measure(setup.tool, setup.stages, Math.ceil(CALLS / ROUNDS));
      rounds.set(setup.label, [...rounds.get(setup.label) ?? [], timing]);
    }
  }
  const result = new Map<string, Timing>();
  for (const [label, timings] of rounds) {
    timings.sort((a, b) => a.meanUs - b.meanUs);
    result.set(label, timings[Math.floor(timings.length / 2)]!);
  }
  return result;
}

const prefix = `bench:${crypto.randomUUID().slice(0, 8)}`;
const redis = openRedis(REDIS_URL, { logger: silentLogger, timeoutMs: 2000 });
try {
  await untilReady(redis);
  const none: CallStage[] = [];
  const embedded = stagesOver("embedded", prefix);
  const onRedis = stagesOver(redis, prefix);
  const setups: Setup[] = [
    { label: "TS tool, no stages", tool: "ts_plain", stages: none },
    {
      label: "TS tool, embedded: limit",
      tool: "ts_limited",
      stages: embedded,
      base: "TS tool, no stages",
    },
    {
      label: "TS tool, embedded: limit + cache hit",
      tool: "ts_cached",
      stages: embedded,
      base: "TS tool, no stages",
    },
    {
      label: "TS tool, Redis: limit",
      tool: "ts_limited",
      stages: onRedis,
      base: "TS tool, no stages",
    },
    {
      label: "TS tool, Redis: limit + cache hit",
      tool: "ts_cached",
      stages: onRedis,
      base: "TS tool, no stages",
    },
    { label: "HTTP tool (local backend), no stages", tool: "http_plain", stages: none },
    {
      label: "HTTP tool, embedded: limit + backend call",
      tool: "http_limited",
      stages: embedded,
      base: "HTTP tool (local backend), no stages",
    },
    { label: "HTTP tool, embedded: limit + cache hit", tool: "http_cached", stages: embedded },
    {
      label: "HTTP tool, Redis: limit + backend call",
      tool: "http_limited",
      stages: onRedis,
      base: "HTTP tool (local backend), no stages",
    },
    { label: "HTTP tool, Redis: limit + cache hit", tool: "http_cached", stages: onRedis },
  ];
  const timings = await measureAll(setups);
  const at = (label: string) => timings.get(label)!;
  console.log(
    `Limit + cache stage cost per call: ${CALLS} sequential calls per set-up in ${ROUNDS} ` +
      `interleaved rounds (median round), µs, Deno ${Deno.version.deno}\n`,
  );
  console.log(`| ${"call".padEnd(44)} |     mean |      p50 |      p99 | overhead |`);
  console.log(`| ${"-".repeat(44)} | -------- | -------- | -------- | -------- |`);
  for (const setup of setups) {
    const t = at(setup.label);
    const overhead = setup.base ? us(t.meanUs - at(setup.base).meanUs) : "       -";
    console.log(
      `| ${setup.label.padEnd(44)} | ${us(t.meanUs)} | ${us(t.p50Us)} | ${
        us(t.p99Us)
      } | ${overhead} |`,
    );
  }
  const ratio = (call: string, hit: string) =>
    `${(at(call).meanUs / at(hit).meanUs).toFixed(1)}x (p50 ${
      (at(call).p50Us / at(hit).p50Us).toFixed(1)
    }x)`;
  console.log("");
  console.log(
    `Cache hit vs backend call, embedded: ${
      ratio("HTTP tool, embedded: limit + backend call", "HTTP tool, embedded: limit + cache hit")
    } faster`,
  );
  console.log(
    `Cache hit vs backend call, Redis:    ${
      ratio("HTTP tool, Redis: limit + backend call", "HTTP tool, Redis: limit + cache hit")
    } faster`,
  );
  console.log("");
  console.log("Redis round trips per call (counted at a TCP proxy):");
  console.log(
    `  limit check only (TS tool):            ${
      (await roundTripsPerCall("ts_limited", prefix)).toFixed(2)
    }`,
  );
  console.log(
    `  limit + cache hit:                     ${
      (await roundTripsPerCall("ts_cached", prefix)).toFixed(2)
    }`,
  );
  console.log(
    `  limit + backend call (HTTP, uncached): ${
      (await roundTripsPerCall("http_limited", prefix)).toFixed(2)
    }`,
  );
} finally {
  await deletePrefix(redis, prefix);
  await redis.close();
  await backend.shutdown();
}
