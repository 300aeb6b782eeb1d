/**
 * The results table and the ratios against the targets, as markdown.
 */

import type { CellResult } from "./load.ts";

/** Names of the three set-ups, in table order. */
export const SETUPS = ["floor", "hand-written", "nexus"] as const;

/** How the run was made, printed above the table. */
export interface RunInfo {
  date: string;
  /** The gateway commit measured (see `describeRevision`). */
  revision: string;
  deno: string;
  cores: number;
  concurrencies: readonly number[];
  bounds: string;
}

/** The markdown table: one row per set-up and concurrency. */
export function formatTable(cells: readonly CellResult[], info: RunInfo): string {
  const lines = [
    `Run ${info.date}, gateway ${info.revision}, Deno ${info.deno}, ${info.cores} cores. ` +
    info.bounds,
    "",
    "| set-up | clients | calls | calls/s | p50 ms | p99 ms | errors | server CPU µs/call | " +
    "client CPU µs/call | calls/s ÷ floor | p50 − floor ms |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const concurrency of info.concurrencies) {
    const floor = find(cells, "floor", concurrency);
    for (const setup of SETUPS) {
      const cell = find(cells, setup, concurrency);
      if (cell === undefined) continue;
      const vsFloor = floor === undefined ? "" : fixed(cell.callsPerSec / floor.callsPerSec, 2);
      const p50Diff = floor === undefined ? "" : signed(cell.p50Ms - floor.p50Ms, 3);
      lines.push(
        `| ${setup} | ${concurrency} | ${cell.completed}${
          cell.timeBound ? " (time bound)" : ""
        } | ` +
          `${fixed(cell.callsPerSec, 0)} | ${fixed(cell.p50Ms, 3)} | ${fixed(cell.p99Ms, 3)} | ` +
          `${errorCount(cell)} | ${fixed(cell.serverCpuUs, 0)} | ${fixed(cell.clientCpuUs, 0)} | ` +
          `${vsFloor} | ${p50Diff} |`,
      );
    }
  }
  return lines.join("\n");
}

/** The ratios the targets are stated in, each with its verdict. */
export function formatRatios(
  cells: readonly CellResult[],
  deferredUs: Readonly<Record<string, number>> = {},
): string {
  const nexus64 = find(cells, "nexus", 64);
  const hand64 = find(cells, "hand-written", 64);
  const nexus1 = find(cells, "nexus", 1);
  const hand1 = find(cells, "hand-written", 1);
  const lines = [
    "| check | measured | target | verdict |",
    "| --- | ---: | ---: | --- |",
  ];
  if (nexus64 && hand64) {
    const ratio = nexus64.callsPerSec / hand64.callsPerSec;
    lines.push(
      `| Nexus ÷ hand-written calls/s, 64 clients (issue 15) | ${fixed(ratio, 2)}× | ≥ 2.00× | ${
        verdict(ratio >= 2)
      } |`,
    );
  }
  for (const concurrency of [1, 64, 1000]) {
    const nexus = find(cells, "nexus", concurrency);
    const hand = find(cells, "hand-written", concurrency);
    if (!nexus || !hand) continue;
    lines.push(
      `| Nexus ÷ hand-written server CPU per call, ${concurrency} client(s) | ${
        fixed(nexus.serverCpuUs / hand.serverCpuUs, 2)
      }× | (context) | |`,
    );
  }
  const nexusDeferred = deferredUs["nexus"];
  const handDeferred = deferredUs["hand-written"];
  if (nexus64 && hand64 && nexusDeferred !== undefined && handDeferred !== undefined) {
    const ratio = (nexus64.serverCpuUs + nexusDeferred) / (hand64.serverCpuUs + handDeferred);
    lines.push(
      `| Nexus ÷ hand-written server CPU per call with deferred work, 64 clients (estimate) | ${
        fixed(ratio, 2)
      }× | (context) | |`,
    );
  }
  if (nexus1 && hand1) {
    const diff = nexus1.p50Ms - hand1.p50Ms;
    lines.push(
      `| Nexus − hand-written p50, 1 client (issue 15) | ${signed(diff, 3)} ms | ≤ -0.200 ms | ${
        verdict(diff <= -0.2)
      } |`,
    );
  }
  for (const setup of SETUPS) {
    const cell = find(cells, setup, 1000);
    if (cell === undefined) continue;
    lines.push(
      `| ${setup} errors, 1000 clients | ${errorCount(cell)} of ${cell.completed} | 0 | ${
        verdict(cell.errors === 0 && cell.warmupErrors === 0)
      } |`,
    );
  }
  lines.push(...floorRatios(cells));
  return lines.join("\n");
}

/** Error texts seen, per cell, so a failing run says why. */
export function formatErrors(cells: readonly CellResult[]): string {
  const failing = cells.filter((cell) => cell.errors + cell.warmupErrors > 0);
  if (failing.length === 0) return "No call failed.";
  return failing.map((cell) =>
    `- ${cell.target} × ${cell.concurrency}: ${errorCount(cell)} errors, e.g. ${
      cell.errorSamples.join(" | ")
    }`
  ).join("\n");
}

/** CPU the idle servers used after the load, per call of the load's last `horizonMs`. */
export function formatDeferred(
  rows: ReadonlyArray<{ name: string; cpuMs: number; calls: number }>,
  options: { idleMs: number; horizonMs: number },
): string {
  if (options.idleMs <= 0) return "Skipped (--idle-seconds 0).";
  return [
    `CPU each MCP server used in the ${options.idleMs / 1000} s after the load stopped (no ` +
    "calls in flight), divided by the calls it answered in the load's last " +
    `${options.horizonMs / 1000} s: work a call leaves behind (timers that fire later, ` +
    "collection of what it retained). Idle upkeep (V8's memory reducer, timers) is included " +
    "for both.",
    "",
    "| server | CPU ms after the load | calls in the last window | deferred µs per call |",
    "| --- | ---: | ---: | ---: |",
    ...rows.map((row) =>
      `| ${row.name} | ${fixed(row.cpuMs, 0)} | ${row.calls} | ${
        fixed((row.cpuMs * 1000) / row.calls, 1)
      } |`
    ),
  ].join("\n");
}

function floorRatios(cells: readonly CellResult[]): string[] {
  const lines: string[] = [];
  for (const concurrency of [...new Set(cells.map((cell) => cell.concurrency))]) {
    const nexus = find(cells, "nexus", concurrency);
    const floor = find(cells, "floor", concurrency);
    const hand = find(cells, "hand-written", concurrency);
    if (!nexus || !floor) continue;
    const handNote = hand
      ? `; hand-written ${fixed(hand.callsPerSec / floor.callsPerSec, 2)}×`
      : "";
    lines.push(
      `| Nexus ÷ floor calls/s, ${concurrency} client(s) | ${
        fixed(nexus.callsPerSec / floor.callsPerSec, 2)
      }×${handNote} | (context) | |`,
    );
    if (concurrency !== 1) continue;
    const handP50 = hand ? `; hand-written ${signed(hand.p50Ms - floor.p50Ms, 3)} ms` : "";
    lines.push(
      `| Nexus − floor p50, 1 client | ${
        signed(nexus.p50Ms - floor.p50Ms, 3)
      } ms${handP50} | (context) | |`,
    );
  }
  return lines;
}

/** The cell of `target` at `concurrency`. */
export function find(
  cells: readonly CellResult[],
  target: string,
  concurrency: number,
): CellResult | undefined {
  return cells.find((cell) => cell.target === target && cell.concurrency === concurrency);
}

/** Measured errors, and warm-up errors apart. */
export function errorCount(cell: CellResult): string {
  return cell.warmupErrors === 0
    ? `${cell.errors}`
    : `${cell.errors} (+${cell.warmupErrors} in warm-up)`;
}

/** "met", or a bold "not met". */
export function verdict(met: boolean): string {
  return met ? "met" : "**not met**";
}

/** `value` with `digits` decimals. */
export function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : "n/a";
}

/** `value` with `digits` decimals and a sign. */
export function signed(value: number, digits: number): string {
  const text = fixed(value, digits);
  return value >= 0 ? `+${text}` : text;
}
