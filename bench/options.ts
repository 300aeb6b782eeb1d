/**
 * The benchmark's fixed shape (concurrencies, call counts, rounds) and its command-line options.
 */

import { parseArgs } from "node:util";
import type { CellOptions } from "./load.ts";
import type { RunInfo } from "./report.ts";

/** Concurrent clients per cell. */
export const CONCURRENCIES = [1, 64, 1000] as const;
/** Measured calls per set-up and cell: about 4 to 7 s per MCP set-up on 2 cores. */
export const CALLS: Record<number, number> = { 1: 6_000, 64: 21_000, 1000: 15_000 };
/** Clients while profiling and while warming up, where throughput peaks. */
export const PROFILE_CONCURRENCY = 64;
export const WARMUP_CONCURRENCY = 64;
/** The second warm-up pass, after every set-up's first: calls or ms per set-up, the first bound. */
export const RE_WARMUP_CALLS = 5_000;
export const RE_WARMUP_MS = 3_000;
/** Each cell is measured in this many rounds, the set-ups' order rotating each round. */
export const ROUNDS = 3;
/**
 * Rounds per cell of the federation section. Why more: four set-ups, three of them several
 * processes, on a shared machine; shorter interleaved rounds spread a neighbour's burst over all
 * set-ups alike.
 */
export const FEDERATION_ROUNDS = 9;
/**
 * Work deferred by a call is looked for this long after it: the default timeout of an HTTP tool
 * (a timer per call that nothing clears fires then).
 */
export const DEFERRAL_HORIZON_MS = 30_000;

/** Options of one run, from the command line. */
export interface BenchOptions {
  calls?: number;
  warmupCalls: number;
  maxMs: number;
  profileCalls: number;
  /** How long the matrix servers are watched idle after the load (0: not at all). */
  idleMs: number;
  out: string;
  /**
   * Run one part alone: `federation`, `cluster` or `memory` (its section of `out` is replaced, the
   * rest kept), or `matrix` (the matrix alone; the other sections of `out` are kept).
   */
  only?: "federation" | "cluster" | "memory" | "matrix";
}

/** The bounds of the cell at `concurrency`. */
export function cellOptions(concurrency: number, options: BenchOptions): CellOptions {
  return {
    concurrency,
    calls: options.calls ?? CALLS[concurrency] ?? 15_000,
    // Why: one call per virtual client before each round opens (or re-checks) its connection.
    warmupCalls: Math.max(100, concurrency),
    maxMs: options.maxMs,
    rounds: ROUNDS,
  };
}

/** How the run was made, for the line above the table. */
export function runInfo(options: BenchOptions, revision: string): RunInfo {
  const calls = options.calls === undefined
    ? "6000 calls at 1 client, 21000 at 64, 15000 at 1000"
    : `${options.calls} calls`;
  return {
    date: new Date().toISOString(),
    revision,
    deno: Deno.version.deno,
    cores: navigator.hardwareConcurrency,
    concurrencies: CONCURRENCIES,
    bounds: `Before the matrix each set-up is warmed up (${options.warmupCalls} calls at ` +
      `${WARMUP_CONCURRENCY} clients for the MCP servers, 10000 for the floor), then once more, ` +
      `${RE_WARMUP_CALLS} calls or ${RE_WARMUP_MS / 1000} s each, in the same order. Each cell: ` +
      `${calls} per set-up or ${options.maxMs / 1000} s, whichever comes first, measured in ` +
      `${ROUNDS} interleaved rounds (order rotating), each round after one call per client. ` +
      "Latency is per call as the client sees it.",
  };
}

/** Parses `deno task bench` arguments. */
export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      "calls": { type: "string" },
      "warmup-calls": { type: "string", default: "30000" },
      "max-seconds": { type: "string", default: "10" },
      "profile-calls": { type: "string", default: "10000" },
      "idle-seconds": { type: "string", default: "32" },
      "out": { type: "string", default: new URL("results.md", import.meta.url).pathname },
      "only": { type: "string" },
    },
  });
  const only = values.only;
  if (only !== undefined && !["federation", "cluster", "memory", "matrix"].includes(only)) {
    throw new Error(
      `Cannot run --only ${only}: the parts that run alone are federation, cluster, memory, matrix`,
    );
  }
  return {
    calls: values.calls === undefined ? undefined : positive(values.calls, "--calls"),
    warmupCalls: positive(values["warmup-calls"], "--warmup-calls"),
    maxMs: positive(values["max-seconds"], "--max-seconds") * 1000,
    profileCalls: Number(values["profile-calls"]),
    idleMs: Number(values["idle-seconds"]) * 1000,
    out: values.out,
    only: only as BenchOptions["only"],
  };
}

function positive(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${flag} must be a positive number`);
  return value;
}
