/**
 * The closed-loop load generator: `concurrency` virtual clients each send their next call as
 * soon as the previous one answered, until a call count or a time bound is reached. Set-ups
 * compared in one cell are measured in interleaved rounds, so drift hits them alike.
 */

import process from "node:process";

/** One kind of call, checked end to end. */
export interface CallTarget {
  name: string;
  /** Sends call number `n`; resolves to an error text, or undefined when the answer is right. */
  call(n: number, signal: AbortSignal): Promise<string | undefined>;
  /** CPU time used so far by the process that serves the calls, in ms. */
  serverCpuMs(): Promise<number>;
}

/** The bounds of one measured cell, shared by every set-up in it. */
export interface CellOptions {
  concurrency: number;
  /** Measured calls per set-up, split evenly over the rounds. */
  calls: number;
  /** Calls per set-up and round before its measured part (opens the connections). */
  warmupCalls: number;
  /** Time bound per set-up for the whole cell, split evenly over the rounds. */
  maxMs: number;
  rounds: number;
}

/** What one cell measured for one set-up. */
export interface CellResult {
  target: string;
  concurrency: number;
  /** Calls that finished (right or wrong) inside the measured windows. */
  completed: number;
  errors: number;
  /** Failed calls in the per-round warm-ups (which open the connections), reported apart. */
  warmupErrors: number;
  elapsedMs: number;
  callsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU (user + system, all threads) of the serving process per measured call. */
  serverCpuUs: number;
  /** CPU of the load generator (this process) per measured call. */
  clientCpuUs: number;
  /** Up to three distinct error texts. */
  errorSamples: string[];
  /** The time bound stopped the cell before the call count. */
  timeBound: boolean;
}

/** Calls still in flight this long after the time bound are aborted and counted as errors. */
const ABORT_GRACE_MS = 15_000;

interface DriveResult {
  latencies: Float64Array;
  serverCpuMs?: number;
  clientCpuMs?: number;
  completed: number;
  errors: number;
  errorTexts: Set<string>;
  elapsedMs: number;
}

/** Measures every target at the same concurrency, round by round, rotating the order. */
export async function measureInterleaved(
  targets: readonly CallTarget[],
  options: CellOptions,
): Promise<CellResult[]> {
  const runs = new Map(targets.map((target) => [target.name, [] as DriveResult[]]));
  const warmupErrors = new Map(targets.map((target) => [target.name, 0]));
  const perRound = {
    ...options,
    calls: Math.ceil(options.calls / options.rounds),
    maxMs: options.maxMs / options.rounds,
  };
  let firstN = 0;
  for (let round = 0; round < options.rounds; round++) {
    for (let i = 0; i < targets.length; i++) {
      const target = targets[(i + round) % targets.length];
      if (target === undefined) continue;
      const warm = await drive(target, { ...perRound, calls: options.warmupCalls }, 1e9 + firstN);
      warmupErrors.set(target.name, (warmupErrors.get(target.name) ?? 0) + warm.errors);
      runs.get(target.name)?.push(await measured(target, perRound, firstN));
    }
    firstN += perRound.calls;
  }
  return targets.map((target) => ({
    ...toResult(target.name, options, runs.get(target.name) ?? []),
    warmupErrors: warmupErrors.get(target.name) ?? 0,
  }));
}

/** One measured drive, with the CPU both sides used during it. */
async function measured(target: CallTarget, options: CellOptions, firstN: number) {
  const server = await target.serverCpuMs();
  const client = process.cpuUsage();
  const run = await drive(target, options, firstN);
  const clientUsed = process.cpuUsage(client);
  return {
    ...run,
    serverCpuMs: (await target.serverCpuMs()) - server,
    clientCpuMs: (clientUsed.user + clientUsed.system) / 1000,
  };
}

/** Drives one target without measuring, e.g. until its JIT has settled. */
export async function warmUp(
  target: CallTarget,
  options: { concurrency: number; calls: number; maxMs: number },
): Promise<{ calls: number; errors: number }> {
  const run = await drive(target, { ...options, warmupCalls: 0, rounds: 1 }, 2e9);
  return { calls: run.completed, errors: run.errors };
}

function toResult(
  name: string,
  options: CellOptions,
  runs: DriveResult[],
): Omit<CellResult, "warmupErrors"> {
  const completed = runs.reduce((sum, run) => sum + run.completed, 0);
  const elapsedMs = runs.reduce((sum, run) => sum + run.elapsedMs, 0);
  const sorted = new Float64Array(completed);
  let offset = 0;
  for (const run of runs) {
    sorted.set(run.latencies.subarray(0, run.completed), offset);
    offset += run.completed;
  }
  sorted.sort();
  const errorTexts = new Set(runs.flatMap((run) => [...run.errorTexts]));
  const sum = (pick: (run: DriveResult) => number | undefined) =>
    runs.reduce((total, run) => total + (pick(run) ?? Number.NaN), 0);
  return {
    target: name,
    concurrency: options.concurrency,
    completed,
    errors: runs.reduce((sum, run) => sum + run.errors, 0),
    elapsedMs,
    callsPerSec: completed / (elapsedMs / 1000),
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    serverCpuUs: (sum((run) => run.serverCpuMs) * 1000) / completed,
    clientCpuUs: (sum((run) => run.clientCpuMs) * 1000) / completed,
    errorSamples: [...errorTexts].slice(0, 3),
    timeBound: completed < options.calls,
  };
}

async function drive(
  target: CallTarget,
  options: CellOptions,
  firstN: number,
): Promise<DriveResult> {
  const latencies = new Float64Array(options.calls);
  const state = { next: 0, completed: 0, errors: 0, errorTexts: new Set<string>() };
  const started = performance.now();
  const stopAt = started + options.maxMs;
  const abort = new AbortController();
  const abortTimer = setTimeout(() => abort.abort(), options.maxMs + ABORT_GRACE_MS);
  async function virtualClient(): Promise<void> {
    while (state.next < options.calls && performance.now() < stopAt) {
      const index = state.next++;
      const sent = performance.now();
      const failure = await callSafely(target, firstN + index, abort.signal);
      latencies[state.completed++] = performance.now() - sent;
      if (failure === undefined) continue;
      state.errors++;
      if (state.errorTexts.size < 10) state.errorTexts.add(failure);
    }
  }
  try {
    await Promise.all(Array.from({ length: options.concurrency }, virtualClient));
  } finally {
    clearTimeout(abortTimer);
  }
  return { latencies, ...state, elapsedMs: performance.now() - started };
}

async function callSafely(
  target: CallTarget,
  n: number,
  signal: AbortSignal,
): Promise<string | undefined> {
  try {
    return await target.call(n, signal);
  } catch (error) {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }
}

function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? Number.NaN;
}
