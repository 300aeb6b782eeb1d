/**
 * The federation section of the report, as markdown: the table, the issue's targets with their
 * verdicts, the set-ups that could not be measured and why, and the exchange that was replayed.
 */

import type { SentRequest } from "./capture.ts";
import type { LegacyExchange } from "./legacy_capture.ts";
import type { CellResult } from "./load.ts";
import { type BenchOptions, FEDERATION_ROUNDS } from "./options.ts";
import { errorCount, find, fixed, formatErrors, signed, verdict } from "./report.ts";

/** One set-up of the section as started. */
export interface FederationSetup {
  name: string;
  /** How it fronts the upstream. */
  note: string;
  /** Why it was not measured; undefined when it was. */
  reason?: string;
  /** The protocol version it agreed to with the real client. */
  protocolVersion?: string;
  sessionful?: boolean;
  /** Sessions the load generator opened against it over the whole run. */
  sessions?: number;
}

/** Everything the federation section measured. */
export interface FederationRun {
  date: string;
  revision: string;
  options: BenchOptions;
  cells: CellResult[];
  foreignCores: number;
  setups: FederationSetup[];
  /** The exchange captured from the first measured set-up (the same client for all). */
  exchange?: LegacyExchange;
}

/** Overhead and throughput targets of issue 13. */
const P50_OVERHEAD_MS = 0.5;
const THROUGHPUT_VS_DIRECT = 0.6;
const PEERS = ["mcp-proxy", "supergateway"] as const;

/** The `## Federation` section. */
export function formatFederation(run: FederationRun, profile: string): string {
  const busy = run.foreignCores > 0.15;
  return [
    "## Federation",
    "",
    `${
      run.options.only === "federation" ? "Run alone (`--only federation`)" : "Run"
    } ${run.date}, gateway ${run.revision}, Deno ${Deno.version.deno}, ` +
    `${navigator.hardwareConcurrency} cores. One SDK v2 stdio server fronted by each gateway, ` +
    "against the same server code serving Streamable HTTP itself (direct). Every set-up takes " +
    "the 2025-era exchange of a real SDK v2 client (default connect): one session per virtual " +
    `client, then \`tools/call\` replayed. Warm-up ${run.options.warmupCalls} calls at 64 ` +
    `clients per set-up (or 15 s); each cell measured in ${FEDERATION_ROUNDS} interleaved rounds ` +
    "(order rotating), " +
    `${run.options.maxMs / 1000} s per set-up at most. Other processes kept ` +
    `${fixed(run.foreignCores, 2)} of ${navigator.hardwareConcurrency} cores busy on average` +
    (busy ? " (**the machine was busy: ratios only, rerun on a quiet machine**)." : "."),
    "",
    formatFederationTable(run.cells),
    "",
    ...formatSetups(run.setups),
    "",
    "### Targets",
    "",
    formatFederationTargets(run),
    "",
    formatErrors(run.cells),
    "",
    "### Profile",
    "",
    profile,
    "",
    "### The replayed exchange",
    "",
    ...formatExchange(run.exchange),
  ].join("\n");
}

function formatFederationTable(cells: readonly CellResult[]): string {
  const lines = [
    "| set-up | clients | calls | calls/s | p50 ms | p99 ms | errors | server CPU µs/call | " +
    "calls/s ÷ direct | p50 − direct ms |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const concurrency of [...new Set(cells.map((cell) => cell.concurrency))]) {
    const direct = find(cells, "direct", concurrency);
    for (const cell of cells.filter((each) => each.concurrency === concurrency)) {
      const ratio = direct ? fixed(cell.callsPerSec / direct.callsPerSec, 2) : "";
      const diff = direct ? signed(cell.p50Ms - direct.p50Ms, 3) : "";
      lines.push(
        `| ${cell.target} | ${concurrency} | ${cell.completed}${
          cell.timeBound ? " (time bound)" : ""
        } | ${fixed(cell.callsPerSec, 0)} | ${fixed(cell.p50Ms, 3)} | ${fixed(cell.p99Ms, 3)} | ` +
          `${errorCount(cell)} | ${fixed(cell.serverCpuUs, 0)} | ${ratio} | ${diff} |`,
      );
    }
  }
  return lines.join("\n");
}

function formatSetups(setups: readonly FederationSetup[]): string[] {
  return [
    "| set-up | fronts the upstream how | protocol agreed | session id | sessions opened (handshakes) |",
    "| --- | --- | --- | --- | ---: |",
    ...setups.map((setup) =>
      setup.reason === undefined
        ? `| ${setup.name} | ${setup.note} | ${setup.protocolVersion} | ${
          setup.sessionful ? "yes" : "no (stateless)"
        } | ${setup.sessions} |`
        : `| ${setup.name} | ${setup.note} | **not measured**: ${escape(setup.reason)} | | |`
    ),
  ];
}

function formatFederationTargets(run: FederationRun): string {
  const { cells } = run;
  const lines = ["| check | measured | target | verdict |", "| --- | ---: | ---: | --- |"];
  const nexus1 = find(cells, "nexus", 1);
  const direct1 = find(cells, "direct", 1);
  const nexus64 = find(cells, "nexus", 64);
  const direct64 = find(cells, "direct", 64);
  if (nexus1 && direct1) {
    const overhead = nexus1.p50Ms - direct1.p50Ms;
    lines.push(
      `| Nexus p50 − direct p50, 1 client | ${signed(overhead, 3)} ms | < ${P50_OVERHEAD_MS} ms | ${
        verdict(overhead < P50_OVERHEAD_MS)
      } |`,
    );
  }
  if (nexus64 && direct64) {
    const ratio = nexus64.callsPerSec / direct64.callsPerSec;
    lines.push(
      `| Nexus ÷ direct calls/s, 64 clients | ${fixed(ratio, 2)}× | ≥ ${
        fixed(THROUGHPUT_VS_DIRECT, 2)
      }× | ${verdict(ratio >= THROUGHPUT_VS_DIRECT)} |`,
    );
  }
  for (const peer of PEERS) {
    const setup = run.setups.find((each) => each.name === peer);
    const peer64 = find(cells, peer, 64);
    const peer1 = find(cells, peer, 1);
    if (setup?.reason !== undefined || !peer64 || !peer1 || !nexus64 || !nexus1) {
      lines.push(`| Nexus ahead of ${peer} | not measured | ahead | **not checked** |`);
      continue;
    }
    const ratio = nexus64.callsPerSec / peer64.callsPerSec;
    lines.push(
      `| Nexus ÷ ${peer} calls/s, 64 clients | ${fixed(ratio, 2)}× | > 1.00× | ${
        verdict(ratio > 1)
      } |`,
      `| Nexus − ${peer} p50, 1 client | ${signed(nexus1.p50Ms - peer1.p50Ms, 3)} ms | < 0 | ${
        verdict(nexus1.p50Ms < peer1.p50Ms)
      } |`,
    );
  }
  for (const name of ["nexus", ...PEERS]) {
    const cell = find(cells, name, 64);
    if (!cell || !direct64) continue;
    lines.push(
      `| ${name} ÷ direct server CPU per call (process tree), 64 clients | ${
        fixed(cell.serverCpuUs / direct64.serverCpuUs, 2)
      }× | (context: the steadiest figure on a shared machine) | |`,
    );
  }
  for (const cell of cells) {
    if (cell.errors + cell.warmupErrors === 0) continue;
    lines.push(
      `| ${cell.target} errors, ${cell.concurrency} client(s) | ${
        errorCount(cell)
      } | 0 | **not met** |`,
    );
  }
  return lines.join("\n");
}

function formatExchange(exchange: LegacyExchange | undefined): string[] {
  if (exchange === undefined) return ["No set-up answered the capture."];
  const show = (title: string, sent: SentRequest) => [
    `${title}:`,
    "",
    "```",
    ...Object.entries(sent.headers).map(([name, value]) => `${name}: ${value}`),
    "",
    sent.body,
    "```",
    "",
  ];
  return [
    ...show("Opening a session (once per virtual client)", exchange.initialize),
    ...show("Then", exchange.initialized),
    ...show("Each call (the `id` argument changes; `mcp-session-id` is the session's own)", {
      method: "POST",
      headers: exchange.call.headers,
      body: `${exchange.call.bodyBefore}<id>${exchange.call.bodyAfter}`,
    }),
  ];
}

function escape(text: string): string {
  return text.replaceAll("|", "\\|");
}

/**
 * `report` without its previous `heading` section (up to the next `## ` or `Whole run:`), and
 * the new one at its end.
 */
export function replaceSection(report: string, section: string, heading = "## Federation"): string {
  const start = report.indexOf(`\n${heading}\n`);
  const tail = (from: number) => {
    const next = [report.indexOf("\n## ", from + 1), report.indexOf("\nWhole run:", from + 1)]
      .filter((index) => index >= 0);
    return next.length === 0 ? report.length : Math.min(...next);
  };
  const rest = start >= 0 ? report.slice(0, start) + report.slice(tail(start)) : report;
  // Why at the end: the rest of the report (and its "Whole run" line) is another run's.
  return `${rest.trimEnd()}\n\n${section}\n`;
}
