// deno-lint-ignore-file no-console
/**
 * The federation section of `deno task bench`: one SDK v2 stdio server (`federation_upstream.ts`)
 * fronted by Nexus (a stdio upstream), by `mcp-proxy` and by `supergateway`, each serving
 * Streamable HTTP, against the same server code serving Streamable HTTP itself ("direct"). All
 * four take the same 2025-era load (sessions opened as a real client opens them) in one run,
 * interleaved. Method: bench/README.md, "Federation".
 */

import process from "node:process";
import { captureLegacyExchange, type LegacyExchange } from "./legacy_capture.ts";
import { type CellResult, measureInterleaved, warmUp } from "./load.ts";
import { type BenchOptions, cellOptions, WARMUP_CONCURRENCY } from "./options.ts";
import { processTreeCpuMs, withForeignCpu } from "./processes.ts";
import { fixed } from "./report.ts";
import { type PeerStart, startMcpProxy, startSupergateway } from "./peers.ts";
import { CONFIG, describeRevision, type RunningServer, startNexus } from "./setups.ts";
import { spawnDeno } from "./processes.ts";
import { createSessionTarget, type SessionTarget } from "./session_target.ts";
import { type FederationRun, formatFederation } from "./federation_report.ts";

/** Clients per federation cell: latency alone, and the throughput point of the issue's target. */
export const FEDERATION_CONCURRENCIES = [1, 64] as const;

/** The deno flags of the upstream, the same for its stdio and HTTP forms. */
const UPSTREAM_FLAGS = ["run", "--allow-net", "--allow-env", "--config", CONFIG];
const UPSTREAM = new URL("federation_upstream.ts", import.meta.url).pathname;

/** A set-up of the section once started: its target, or why it is not measured. */
interface Started {
  name: string;
  running?: RunningServer;
  exchange?: LegacyExchange;
  target?: SessionTarget;
  note: string;
  reason?: string;
}

/** Runs the federation section and returns its markdown (a `## Federation` section). */
export async function runFederation(options: BenchOptions): Promise<string> {
  const toolsDir = await writeUpstreamToolsDir();
  const started: Started[] = [];
  try {
    started.push(await startDirect());
    started.push(await startFederatedNexus(toolsDir));
    started.push(
      await fromPeer(
        await startMcpProxy(upstreamArgv()),
        "one upstream child shared by all sessions",
      ),
    );
    started.push(
      await fromPeer(
        await startSupergateway(upstreamArgv()),
        "`--stateful`: one upstream child per session",
      ),
    );
    for (const each of started) {
      console.log(
        each.reason === undefined
          ? `${each.name}: ${each.running?.url}`
          : `${each.name}: NOT MEASURED: ${each.reason}`,
      );
    }
    const measured = started.filter((each) => each.target !== undefined);
    const running = measured.flatMap((each) => (each.running ? [each.running] : []));
    const ours = async () => {
      const times = await Promise.all(running.map((server) => server.process.cpuMs()));
      const own = process.cpuUsage();
      return times.reduce((sum, ms) => sum + ms, (own.user + own.system) / 1000);
    };
    const { value: cells, foreignCores } = await withForeignCpu(
      ours,
      () => measureFederation(measured.map((each) => each.target as SessionTarget), options),
    );
    const run: FederationRun = {
      date: new Date().toISOString(),
      revision: await describeRevision(),
      options,
      cells,
      foreignCores,
      setups: started.map((each) => ({
        name: each.name,
        note: each.note,
        reason: each.reason,
        protocolVersion: each.exchange?.protocolVersion,
        sessionful: each.exchange?.sessionful,
        sessions: each.target?.sessionsOpened(),
      })),
      exchange: measured[0]?.exchange,
    };
    return formatFederation(run);
  } finally {
    await Promise.all(started.map((each) => each.running?.process.stop()));
    await Deno.remove(toolsDir, { recursive: true });
  }
}

async function measureFederation(
  targets: SessionTarget[],
  options: BenchOptions,
): Promise<CellResult[]> {
  for (const target of targets) {
    const began = performance.now();
    const { calls, errors } = await warmUp(target, {
      concurrency: WARMUP_CONCURRENCY,
      calls: options.warmupCalls,
      maxMs: 15_000,
    });
    const seconds = fixed((performance.now() - began) / 1000, 1);
    console.log(`warm-up ${target.name}: ${calls} calls in ${seconds} s, ${errors} errors`);
  }
  const cells: CellResult[] = [];
  for (const concurrency of FEDERATION_CONCURRENCIES) {
    const measured = await measureInterleaved(targets, cellOptions(concurrency, options));
    for (const cell of measured) {
      console.log(
        `${cell.target.padEnd(12)} ${String(concurrency).padStart(4)} clients: ` +
          `${fixed(cell.callsPerSec, 0)} calls/s, p50 ${fixed(cell.p50Ms, 3)} ms, ` +
          `p99 ${fixed(cell.p99Ms, 3)} ms, server CPU ${fixed(cell.serverCpuUs, 0)} µs/call, ` +
          `${cell.errors} errors (${cell.completed} calls)`,
      );
    }
    cells.push(...measured);
  }
  return cells;
}

/** The argv of the stdio upstream, as every gateway is told to run it. */
function upstreamArgv(): string[] {
  return [Deno.execPath(), ...UPSTREAM_FLAGS, UPSTREAM, "stdio"];
}

async function startDirect(): Promise<Started> {
  const { process: child, url } = await spawnDeno({
    args: [...UPSTREAM_FLAGS, UPSTREAM, "http"],
    readyOn: "stdout",
    readUrl: (record) => typeof record.url === "string" ? record.url : undefined,
  });
  const running = { url, process: child };
  return await capture("direct", running, "the upstream's own `createMcpHandler` over HTTP");
}

async function startFederatedNexus(toolsDir: string): Promise<Started> {
  const nexus = await startNexus({ toolsDir, extraFlags: ["--allow-run"] });
  const pid = nexus.process.child.pid;
  const running = { ...nexus, process: { ...nexus.process, cpuMs: () => processTreeCpuMs(pid) } };
  return await capture("nexus", running, "stdio upstream, one child shared by all clients");
}

async function fromPeer(peer: PeerStart, note: string): Promise<Started> {
  if (!peer.ok) return { name: peer.name, note, reason: peer.reason };
  return await capture(peer.name, { url: peer.url, process: peer.process }, note);
}

/** Captures the real client's exchange; a set-up that cannot answer it is reported, not dropped. */
async function capture(name: string, running: RunningServer, note: string): Promise<Started> {
  try {
    const exchange = await captureLegacyExchange(running.url);
    const target = createSessionTarget(name, exchange, running.process.cpuMs);
    return { name, running, exchange, target, note };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const log = running.process.stderrTail().slice(-5).join(" / ");
    return {
      name,
      running,
      note,
      reason: `${reason.split("\n")[0]}${log ? ` (log: ${log})` : ""}`,
    };
  }
}

/** A tools dir holding only the stdio upstream, unprefixed so the tool is `get_item` everywhere. */
async function writeUpstreamToolsDir(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "nexus-bench-federation-" });
  const [command, ...args] = upstreamArgv();
  const yaml = `upstreams:
  - name: items
    prefix: ""
    stdio:
      command: ${JSON.stringify(command)}
      args: ${JSON.stringify(args)}
`;
  await Deno.writeTextFile(`${dir}/items_upstream.yaml`, yaml);
  return dir;
}
