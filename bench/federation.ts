// deno-lint-ignore-file no-console
/**
 * The federation section of `deno task bench`: one SDK v2 stdio server (`federation_upstream.ts`)
 * fronted by Nexus (a stdio upstream), by `mcp-proxy` and by `supergateway`, each serving
 * Streamable HTTP, against the same server code serving Streamable HTTP itself ("direct"). All
 * four take the same 2025-era load (sessions opened as a real client opens them) in one run,
 * interleaved. Method: bench/README.md, "Federation".
 */

import process from "node:process";
import { type CellResult, measureInterleaved, warmUp } from "./load.ts";
import {
  type BenchOptions,
  cellOptions,
  FEDERATION_ROUNDS,
  PROFILE_CONCURRENCY,
  WARMUP_CONCURRENCY,
} from "./options.ts";
import { profileFederation } from "./federation_profile.ts";
import { withForeignCpu } from "./processes.ts";
import { fixed } from "./report.ts";
import { startMcpProxy, startSupergateway } from "./peers.ts";
import { describeRevision } from "./setups.ts";
import type { SessionTarget } from "./session_target.ts";
import { type FederationRun, formatFederation } from "./federation_report.ts";
import {
  fromPeer,
  startDirect,
  type Started,
  startFederatedNexus,
  upstreamArgv,
  writeUpstreamToolsDir,
} from "./federation_setups.ts";

/** The profile of Nexus against direct, after the measured set-ups stopped (or why skipped). */
async function profileOrSkip(toolsDir: string, options: BenchOptions): Promise<string> {
  if (options.profileCalls <= 0) return "Skipped (--profile-calls 0).";
  console.log("profiling the federated Nexus and direct under --cpu-prof…");
  return await profileFederation({
    toolsDir,
    calls: options.profileCalls,
    warmupCalls: options.warmupCalls,
    concurrency: PROFILE_CONCURRENCY,
  });
}

/** Clients per federation cell: latency alone, and the throughput point of the target. */
export const FEDERATION_CONCURRENCIES = [1, 64] as const;

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
        "one upstream child for all sessions; upstream hop 2025 `initialize` (its default)",
      ),
    );
    started.push(
      await fromPeer(
        await startSupergateway(upstreamArgv()),
        "`--stateful`: one upstream child per session, which gets the client's own `initialize`",
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
    await Promise.all(started.splice(0).map((each) => each.running?.process.stop()));
    return formatFederation(run, await profileOrSkip(toolsDir, options));
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
    const measured = await measureInterleaved(targets, {
      ...cellOptions(concurrency, options),
      rounds: FEDERATION_ROUNDS,
    });
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
