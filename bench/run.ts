// deno-lint-ignore-file no-console
/**
 * `deno task bench`: the same `get_item(id)` tool served three ways (the REST backend called
 * directly, a hand-written SDK v2 server, Nexus), driven at 1, 64 and 1000 concurrent clients,
 * then Nexus and the hand-written server profiled under the same load. Prints a markdown report
 * and writes it to `bench/results.md`. Method: `bench/README.md`.
 *
 * Options:
 * - `--calls N`: measured calls per set-up and cell (default 6000 at 1 client, 21000 at 64,
 *   15000 at 1000);
 * - `--max-seconds S`: time bound per set-up and cell (default 10);
 * - `--warmup-calls N`: JIT warm-up per MCP server before measuring (default 30000);
 * - `--profile-calls N`: measured calls per profile (default 10000, 0 skips the profiles);
 * - `--idle-seconds S`: how long the matrix servers are watched idle after the load, for
 *   deferred work (default 32, 0 skips);
 * - `--out FILE`: the report (default bench/results.md);
 * - `--only federation`: the federation section alone (its section of the report is replaced);
 * - `--only memory`: the memory section alone (bench/memory.ts; its section is replaced).

 * - `--only matrix`: everything but the federation section (the report's previous one is kept).
 *
 * After the federation section, the cluster section (bench/cluster.ts) and the memory section
 * (bench/memory.ts): three instances behind nginx against one, 10,000 clients over three, peak RSS
 * at 1,000 and 10,000 clients, live heap per in-flight call and 10,000 idle connections.
 *
 * After the matrix, the federation section (bench/federation.ts) compares a federated call
 * through Nexus with the same upstream called directly and behind mcp-proxy and supergateway.
 */

import process from "node:process";
import { type CapturedCall, captureToolCall } from "./capture.ts";
import { type CallTarget, type CellResult, measureInterleaved, warmUp } from "./load.ts";
import {
  type BenchOptions,
  cellOptions,
  CONCURRENCIES,
  DEFERRAL_HORIZON_MS,
  parseOptions,
  PROFILE_CONCURRENCY,
  RE_WARMUP_CALLS,
  RE_WARMUP_MS,
  runInfo,
  WARMUP_CONCURRENCY,
} from "./options.ts";
import { peakRssMb, withForeignCpu } from "./processes.ts";
import { profileServer } from "./profile.ts";
import { formatProfiles } from "./profile_report.ts";
import { type DeferredCpu, logCalls, measureDeferredCpu } from "./deferred.ts";
import {
  fixed,
  formatDeferred,
  formatErrors,
  formatRatios,
  formatTable,
  SETUPS,
} from "./report.ts";
import {
  CONFIG,
  describeRevision,
  type RunningServer,
  startBackend,
  startHandwritten,
  startNexus,
  writeToolsDir,
} from "./setups.ts";
import { createFloorTarget, createMcpTarget } from "./targets.ts";
import { runFederation } from "./federation.ts";
import { replaceSection } from "./federation_report.ts";
import { CLUSTER_DEFAULTS, type ClusterOptions, runCluster } from "./cluster.ts";
import { replaceMemorySection, runMemory } from "./memory.ts";

if (import.meta.main) await main(Deno.args);

/** The three processes under test and the calls captured from a real client. */
interface Environment {
  backend: RunningServer;
  hand: RunningServer;
  nexus: RunningServer;
  toolsDir: string;
  handCall: CapturedCall;
  nexusCall: CapturedCall;
  revision: string;
}

async function main(argv: string[]): Promise<void> {
  const options = parseOptions(argv);
  if (options.only === "federation") return await mainFederation(options);
  if (options.only === "cluster") return await mainCluster(options);
  if (options.only === "memory") return await mainMemory(options);
  const started = performance.now();
  const backend = await startBackend();
  const toolsDir = await writeToolsDir(backend.url);
  const running: RunningServer[] = [backend];
  try {
    const hand = await startHandwritten(backend.url);
    running.push(hand);
    const nexus = await startNexus({ toolsDir });
    running.push(nexus);
    console.log(`backend ${backend.url}, hand-written ${hand.url}, nexus ${nexus.url}`);
    const handCall = await captureOrExplain(hand);
    const nexusCall = await captureOrExplain(nexus);
    const revision = await describeRevision();
    const env = { backend, hand, nexus, toolsDir, handCall, nexusCall, revision };
    const sections = await runBench(env, options);
    // Why after the matrix's servers stop: the federation set-ups must not share the cores with
    // three idle servers (and the matrix's Nexus holds ~700 MB).
    await Promise.all(running.splice(0).map((server) => server.process.stop()));
    // Why `--only matrix` keeps the rest: federation, cluster and memory take most of a run.
    const later = options.only === "matrix"
      ? [previousFederation(await readReport(options.out))]
      : [
        await runFederation(options),
        "",
        await runCluster(clusterOptions(options)),
        "",
        await runMemory(),
      ];
    const report = [
      ...sections,
      ...later,
      "",
      `Whole run: ${fixed((performance.now() - started) / 1000, 0)} s.`,
      "",
    ].join("\n");
    await Deno.writeTextFile(options.out, report);
    await formatMarkdown(options.out);
    console.log(`\n${await Deno.readTextFile(options.out)}`);
    console.log(`Written to ${options.out}`);
  } finally {
    await Promise.all(running.map((server) => server.process.stop()));
    await Deno.remove(toolsDir, { recursive: true });
  }
}

/**
 * `--only federation`: runs that section alone and puts it at the end of the report instead of
 * the previous run's federation section, keeping the rest.
 */
async function mainFederation(options: BenchOptions): Promise<void> {
  const section = await runFederation(options);
  const previous = await readReport(options.out);
  await Deno.writeTextFile(options.out, replaceSection(previous, section));
  await formatMarkdown(options.out);
  console.log(`\n${section}\n\nWritten to ${options.out}`);
}

/** `--only cluster`: that section alone, replacing the previous run's cluster section. */
async function mainCluster(options: BenchOptions): Promise<void> {
  const section = await runCluster(clusterOptions(options));
  await writeSection(
    options.out,
    section,
    (previous) => replaceSection(previous, section, "## Cluster"),
  );
}

/** `--only memory`: runs that section alone and replaces its section of the report. */
async function mainMemory(options: BenchOptions): Promise<void> {
  const section = await runMemory();
  await writeSection(options.out, section, (previous) => replaceMemorySection(previous, section));
}

/** Replaces one section of the report at `out` (`replace` gets the previous report). */
async function writeSection(
  out: string,
  section: string,
  replace: (previous: string) => string,
): Promise<void> {
  await Deno.writeTextFile(out, replace(await readReport(out)));
  await formatMarkdown(out);
  console.log(`\n${section}\n\nWritten to ${out}`);
}

function clusterOptions(options: BenchOptions): ClusterOptions {
  return { ...CLUSTER_DEFAULTS, ...(options.calls === undefined ? {} : { calls: options.calls }) };
}

async function readReport(path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch {
    return "# Nexus benchmark results\n\n";
  }
}

/**
 * `--only matrix`: the previous report's federation, cluster and memory sections, kept as they
 * were measured.
 */
function previousFederation(report: string): string {
  const start = report.indexOf("\n## Federation\n");
  if (start < 0) return "";
  const end = report.indexOf("\nWhole run:", start);
  return report.slice(start + 1, end < 0 ? report.length : end).trimEnd();
}

/** Everything one run measured. */
interface Measured {
  cells: CellResult[];
  memory: string;
  deferred: DeferredCpu[];
  profile: string;
}

/** The matrix, then (while the matrix servers sit idle) the profiles; returns the report. */
async function runBench(env: Environment, options: BenchOptions): Promise<string[]> {
  const { backend, hand, nexus } = env;
  const handLog = logCalls(createMcpTarget("hand-written", env.handCall, hand.process.cpuMs));
  const nexusLog = logCalls(createMcpTarget("nexus", env.nexusCall, nexus.process.cpuMs));
  const targets: Record<(typeof SETUPS)[number], CallTarget> = {
    "floor": createFloorTarget(backend.url, backend.process.cpuMs),
    "hand-written": handLog.target,
    "nexus": nexusLog.target,
  };
  const nexusLinesBefore = nexus.process.stderrLines();
  const ours = async () => {
    const times = await Promise.all([backend, hand, nexus].map((server) => server.process.cpuMs()));
    const own = process.cpuUsage();
    return times.reduce((sum, ms) => sum + ms, (own.user + own.system) / 1000);
  };
  const { value: cells, foreignCores } = await withForeignCpu(
    ours,
    () => runMatrix(targets, options),
  );
  const nexusLogLines = nexus.process.stderrLines() - nexusLinesBefore;
  const rss = await Promise.all(
    [backend, hand, nexus].map(async (server) =>
      fixed(await peakRssMb(server.process.child.pid), 0)
    ),
  );
  const memory = `Peak RSS: backend ${rss[0]} MB, hand-written ${rss[1]} MB, Nexus ${rss[2]} MB. ` +
    `Nexus wrote ${nexusLogLines} log line(s) during the load. Other processes on the machine ` +
    `kept ${fixed(foreignCores, 2)} of ${navigator.hardwareConcurrency} cores busy on average ` +
    `during the matrix${foreignCores > 0.15 ? " (**the machine was not quiet: rerun**)" : ""}.`;
  console.log(`foreign load during the matrix: ${fixed(foreignCores, 2)} cores`);
  let profile = "Skipped (--profile-calls 0).";
  const deferred = await measureDeferredCpu([
    { name: "hand-written", logged: handLog, cpuMs: hand.process.cpuMs },
    { name: "nexus", logged: nexusLog, cpuMs: nexus.process.cpuMs },
  ], {
    idleMs: options.idleMs,
    horizonMs: DEFERRAL_HORIZON_MS,
    meanwhile: async () => {
      profile = await runProfiles(backend.url, env.toolsDir, options);
    },
  });
  return formatReport(env, options, { cells, memory, deferred, profile });
}

function formatReport(env: Environment, options: BenchOptions, measured: Measured): string[] {
  const { cells, deferred } = measured;
  const call = env.nexusCall;
  return [
    "# Nexus benchmark results",
    "",
    "Generated by `deno task bench` (bench/run.ts); method in bench/README.md.",
    "",
    formatTable(cells, runInfo(options, env.revision)),
    "",
    measured.memory,
    "",
    "## Ratios against the targets",
    "",
    formatRatios(cells, options.idleMs > 0 ? deferredPerCall(deferred) : {}),
    "",
    formatErrors(cells),
    "",
    "## Deferred work",
    "",
    formatDeferred(deferred, { idleMs: options.idleMs, horizonMs: DEFERRAL_HORIZON_MS }),
    "",
    "## What one MCP call sends (captured from a real SDK v2 client pinned to 2026-07-28)",
    "",
    "```",
    ...Object.entries(call.headers).map(([name, value]) => `${name}: ${value}`),
    "",
    `${call.bodyBefore}<id>${call.bodyAfter}`,
    "```",
    "",
    "## Profile",
    "",
    measured.profile,
    "",
  ];
}

async function runMatrix(
  targets: Record<(typeof SETUPS)[number], CallTarget>,
  options: BenchOptions,
): Promise<CellResult[]> {
  for (const setup of SETUPS) {
    const started = performance.now();
    const { calls, errors } = await warmUp(targets[setup], {
      concurrency: WARMUP_CONCURRENCY,
      calls: setup === "floor" ? 10_000 : options.warmupCalls,
      maxMs: 15_000,
    });
    const seconds = fixed((performance.now() - started) / 1000, 1);
    console.log(`warm-up ${setup}: ${calls} calls in ${seconds} s, ${errors} errors`);
  }
  // Why a second, shorter pass: a set-up warmed early sat idle while the others warmed (15 s or
  // more each) and was measured colder in the first cell (bench/README.md, "Third round").
  for (const setup of SETUPS) {
    await warmUp(targets[setup], {
      concurrency: WARMUP_CONCURRENCY,
      calls: RE_WARMUP_CALLS,
      maxMs: RE_WARMUP_MS,
    });
  }
  const cells: CellResult[] = [];
  for (const concurrency of CONCURRENCIES) {
    const measured = await measureInterleaved(
      SETUPS.map((setup) => targets[setup]),
      cellOptions(concurrency, options),
    );
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

/** Runs `deno fmt` on the report, so `deno fmt --check` (in `deno task check`) stays green. */
async function formatMarkdown(path: string): Promise<void> {
  const { success, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--quiet", "--config", CONFIG, path],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!success) console.log(`deno fmt ${path} failed: ${new TextDecoder().decode(stderr)}`);
}

/** Captures the real client's call; on failure, shows what the server logged. */
async function captureOrExplain(server: RunningServer): Promise<CapturedCall> {
  try {
    return await captureToolCall(server.url);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const log = server.process.stderrTail().join("\n");
    throw new Error(`Cannot call get_item through ${server.url}: ${reason}\nServer log:\n${log}`);
  }
}

async function runProfiles(
  backendUrl: string,
  toolsDir: string,
  options: BenchOptions,
): Promise<string> {
  if (options.profileCalls <= 0) return "Skipped (--profile-calls 0).";
  console.log("profiling Nexus and the hand-written server under --cpu-prof…");
  const shared = {
    backendUrl,
    toolsDir,
    calls: options.profileCalls,
    warmupCalls: options.warmupCalls,
  };
  const nexus = await profileServer({
    kind: "nexus",
    ...shared,
    concurrency: PROFILE_CONCURRENCY,
  });
  const hand = await profileServer({
    kind: "hand-written",
    ...shared,
    concurrency: PROFILE_CONCURRENCY,
  });
  return formatProfiles(nexus, hand);
}

function deferredPerCall(
  rows: ReadonlyArray<{ name: string; cpuMs: number; calls: number }>,
): Record<string, number> {
  return Object.fromEntries(rows.map((row) => [row.name, (row.cpuMs * 1000) / row.calls]));
}
