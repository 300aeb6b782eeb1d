// deno-lint-ignore-file no-console
/**
 * The cluster section of `deno task bench` (`--only cluster` runs it alone): Nexus instances
 * behind the real nginx running the shipped deploy/nginx/nginx.conf (tests/_support/nginx.ts
 * rewrites only the upstream list, ports and paths, plus the tuning below).
 *
 * 1. Throughput: `tools/call` of an in-process tool and of a REST tool, three instances behind
 *    nginx against one instance behind the same nginx config, interleaved rounds at 64 clients
 *    (the main bench's generator, bench/load.ts); reported as a ratio from one run.
 * 2. 10,000 concurrent clients through nginx over the three instances: completed calls, errors,
 *    p50/p99 as ratios to one client through the same nginx, and each instance's peak RSS. The
 *    load comes from generator subprocesses (bench/cluster_load.ts), each holding its share of
 *    the connections on its own event loop, with `ulimit -n` raised to the hard limit.
 */

import { type CapturedCall, captureToolCall } from "./capture.ts";
import type { LoadResult, LoadSpec } from "./cluster_load.ts";
import { type CellResult, measureInterleaved, warmUp } from "./load.ts";
import process from "node:process";
import { peakRssMb, processTreeCpuMs, withForeignCpu } from "./processes.ts";
import { errorReasons, formatCluster, type Measured } from "./cluster_report.ts";
import { CONFIG, type RunningServer, startBackend, startNexus, writeToolsDir } from "./setups.ts";
import { createMcpTarget } from "./targets.ts";
// Why from tests/_support: one rewrite of the shipped nginx.conf, shared with the tests.
import { type ClusterNginx, startClusterNginx } from "../tests/_support/nginx.ts";

/** Options of the cluster section. */
export interface ClusterOptions {
  /** Measured calls per set-up and tool in the throughput cells. */
  calls: number;
  /** Time bound per set-up and tool, ms. */
  maxMs: number;
  /** Concurrent clients of the many-clients cell. */
  clients: number;
}

/** Default shape: about 3 minutes on 2 cores. */
export const CLUSTER_DEFAULTS: ClusterOptions = { calls: 12_000, maxMs: 12_000, clients: 10_000 };

const INSTANCES = 3;
const THROUGHPUT_CONCURRENCY = 64;
/** Calls per client in the many-clients cell, and generator processes sharing the clients. */
const CALLS_PER_CLIENT = 5;
const GENERATORS = 2;
const BASELINE_CALLS = 2_000;
/**
 * Why: 10,000 client connections plus as many to the upstreams, and nginx's workers need not take
 * equal shares of them. `worker_rlimit_nofile` is set to the hard limit at run time (above it
 * nginx's setrlimit is refused without CAP_SYS_RESOURCE).
 */
const NGINX_TUNING = { accessLog: false, workerConnections: 40_000 };

/** The in-process tool: answers from the gateway's own process, no backend. */
const ECHO_TOOL = `import { defineTool, z } from "nexus/tool";

export const echoItem = defineTool({
  name: "echo_item",
  description: "Echo one catalogue item id.",
  input: z.object({ id: z.string() }),
  output: z.object({ id: z.string() }),
  handler: ({ id }) => ({ id }),
});
`;

/** Runs the section; returns its markdown (`## Cluster` …). */
export async function runCluster(options: ClusterOptions): Promise<string> {
  const backend = await startBackend();
  const toolsDir = await writeToolsDir(backend.url);
  await Deno.writeTextFile(`${toolsDir}/echo_item.ts`, ECHO_TOOL);
  const servers: RunningServer[] = [backend];
  const proxies: ClusterNginx[] = [];
  try {
    const nexus = await Promise.all(
      Array.from({ length: INSTANCES }, () => startNexus({ toolsDir })),
    );
    servers.push(...nexus);
    const ports = nexus.map((server) => Number(new URL(server.url).port));
    const tuning = { ...NGINX_TUNING, rlimitNofile: await hardFileLimit() };
    const one = await startClusterNginx(ports.slice(0, 1), tuning);
    proxies.push(one);
    const three = await startClusterNginx(ports, tuning);
    proxies.push(three);
    console.log(`cluster: nexus ${nexus.map((s) => s.url).join(", ")}; nginx ${three.url}`);
    const rest = await captureToolCall(`${three.url}/mcp`);
    const calls = {
      rest: { one: at(rest, one.url), three: rest },
      inProcess: { one: at(inProcess(rest), one.url), three: inProcess(rest) },
    };
    const ours = async () => {
      const own = process.cpuUsage();
      const parts = await Promise.all([
        ...servers.map((server) => server.process.cpuMs()),
        ...proxies.map((proxy) => processTreeCpuMs(proxy.pid)),
      ]);
      return parts.reduce((sum, ms) => sum + ms, (own.user + own.system) / 1000);
    };
    const { value: throughput, foreignCores } = await withForeignCpu(
      ours,
      () => measureThroughput(calls, nexus, options),
    );
    const baseline = await generate(calls.inProcess.three, 1, BASELINE_CALLS);
    console.log("cluster: 1-client baseline measured");
    const many = await generate(calls.inProcess.three, options.clients, CALLS_PER_CLIENT);
    const rss = await Promise.all(nexus.map((s) => peakRssMb(s.process.child.pid)));
    const nginxErrors = errorReasons(await three.errorLog());
    console.log(`cluster: nginx errors ${JSON.stringify(nginxErrors)}`);
    return formatCluster({
      throughput,
      foreignCores,
      baseline,
      many,
      rss,
      nginxErrors,
      clients: options.clients,
      shape: {
        concurrency: THROUGHPUT_CONCURRENCY,
        callsPerClient: CALLS_PER_CLIENT,
        generators: GENERATORS,
      },
    });
  } finally {
    for (const proxy of proxies) await proxy[Symbol.asyncDispose]();
    await Promise.all(servers.map((server) => server.process.stop()));
    await Deno.remove(toolsDir, { recursive: true });
  }
}

/** The hard open-file limit of processes started from here. */
async function hardFileLimit(): Promise<number> {
  const output = await new Deno.Command("sh", { args: ["-c", "ulimit -Hn"], stdout: "piped" })
    .output();
  const text = new TextDecoder().decode(output.stdout).trim();
  return text === "unlimited" ? 1_048_576 : Number(text);
}

/** The throughput cells: each tool through nginx with 1 instance and with 3, interleaved. */
async function measureThroughput(
  calls: Record<"rest" | "inProcess", { one: CapturedCall; three: CapturedCall }>,
  nexus: RunningServer[],
  options: ClusterOptions,
): Promise<CellResult[][]> {
  const cpu = (list: RunningServer[]) => async () =>
    (await Promise.all(list.map((s) => s.process.cpuMs()))).reduce((a, b) => a + b, 0);
  const throughput: CellResult[][] = [];
  for (const kind of ["inProcess", "rest"] as const) {
    const targets = [
      createMcpTarget(`${kind}: 1 instance`, calls[kind].one, cpu(nexus.slice(0, 1))),
      createMcpTarget(`${kind}: 3 instances`, calls[kind].three, cpu(nexus)),
    ];
    for (const target of targets) {
      await warmUp(target, { concurrency: THROUGHPUT_CONCURRENCY, calls: 6_000, maxMs: 20_000 });
    }
    throughput.push(
      await measureInterleaved(targets, {
        concurrency: THROUGHPUT_CONCURRENCY,
        calls: options.calls,
        warmupCalls: THROUGHPUT_CONCURRENCY,
        maxMs: options.maxMs,
        rounds: 3,
      }),
    );
    console.log(`cluster: throughput ${kind} measured`);
  }
  return throughput;
}

/** The same captured call sent to another nginx. */
function at(call: CapturedCall, origin: string): CapturedCall {
  return { ...call, url: `${origin}/mcp` };
}

/** The captured `get_item` call turned into a call of the in-process `echo_item`. */
function inProcess(call: CapturedCall): CapturedCall {
  const rename = (text: string) => text.replace('"name":"get_item"', '"name":"echo_item"');
  const headers = { ...call.headers };
  if (headers["mcp-name"] !== undefined) headers["mcp-name"] = "echo_item";
  return { ...call, headers, bodyBefore: rename(call.bodyBefore) };
}

/** Runs `clients` closed loops of `calls` calls over GENERATORS subprocesses; merges them. */
async function generate(call: CapturedCall, clients: number, calls: number): Promise<Measured> {
  const processes = Math.min(GENERATORS, clients);
  const script = new URL("./cluster_load.ts", import.meta.url).pathname;
  const results = await Promise.all(Array.from({ length: processes }, async (_, index) => {
    const spec: LoadSpec = {
      call: {
        url: call.url,
        headers: call.headers,
        bodyBefore: call.bodyBefore,
        bodyAfter: call.bodyAfter,
      },
      clients: Math.ceil(clients / processes),
      calls,
      firstN: 1e8 * (index + 1) + clients,
      maxMs: 120_000,
    };
    // Why sh: Deno cannot raise its own open-file limit; the shell raises it to the hard limit.
    const output = await new Deno.Command("sh", {
      args: [
        "-c",
        'ulimit -n "$(ulimit -Hn)" && exec "$0" run --allow-net --config "$1" "$2" "$3"',
        Deno.execPath(),
        CONFIG,
        script,
        JSON.stringify(spec),
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(output.stdout).trim();
    if (!output.success) {
      throw new Error(`Load generator failed: ${new TextDecoder().decode(output.stderr)}`);
    }
    return JSON.parse(text.split("\n").at(-1)!) as LoadResult;
  }));
  return merge(results);
}

function merge(results: LoadResult[]): Measured {
  const latencies = new Float64Array(results.flatMap((r) => r.latencies)).sort();
  const at = (q: number) => latencies[Math.max(0, Math.ceil(q * latencies.length) - 1)] ?? NaN;
  return {
    completed: results.reduce((sum, r) => sum + r.completed, 0),
    errors: results.reduce((sum, r) => sum + r.errors, 0),
    errorSamples: [...new Set(results.flatMap((r) => r.errorSamples))].slice(0, 3),
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    elapsedMs: Math.max(...results.map((r) => r.elapsedMs)),
  };
}
