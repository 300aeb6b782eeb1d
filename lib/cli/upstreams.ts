/**
 * `nexus upstreams list`: connects to every upstream (of `nexus.yaml` and of tool files), lists
 * its tools, and prints its state, protocol version, tool count, circuit breaker and last error. Unlike
 * `nexus check`, this command does connect, and starts each stdio upstream (stopped again at exit).
 */

import { parseArgs } from "node:util";
import type { Config } from "../config/mod.ts";
import { configEntries, openVault, registryEnv } from "../gateway/mod.ts";
import { silentLogger } from "../log.ts";
import { loadRegistry } from "../registry/mod.ts";
import { checkUpstreams, createUpstreamSet, type UpstreamReport } from "../upstreams/mod.ts";
import { messageOf, writeErr, writeOut } from "./io.ts";

const USAGE = "Usage: nexus upstreams list [--json] [--config FILE]";

/** Runs one `upstreams` subcommand; returns the exit code (2 for usage errors). Raises nothing. */
export async function runUpstreams(
  config: Config,
  args: string[],
  options: { configPath?: string } = {},
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: false,
    options: { json: { type: "boolean" }, config: { type: "string" } },
  });
  if (positionals[0] !== "list" || positionals.length !== 1) {
    writeErr(USAGE);
    return 2;
  }
  try {
    const reports = await listUpstreams(config, options.configPath);
    if (values.json === true) writeOut(JSON.stringify(reports, null, 2));
    else for (const line of formatReports(reports)) writeOut(line);
    return reports.every((report) => report.state.status === "running") ? 0 : 1;
  } catch (error) {
    writeErr(messageOf(error));
    return 1;
  }
}

async function listUpstreams(config: Config, configPath?: string): Promise<UpstreamReport[]> {
  const { snapshot } = await loadRegistry(config.toolsDir, registryEnv(config, config.port));
  const all = [...configEntries(config, configPath), ...snapshot.upstreams];
  const { entries, problems } = checkUpstreams(all, snapshot.tools);
  for (const problem of problems) writeErr(`Upstream problem: ${problem}`);
  const vault = await openVault(config, { logger: silentLogger });
  const set = createUpstreamSet({
    logger: silentLogger,
    retryMs: 0,
    resolveAuth: async (name) => (await vault.vault.resolve(name)).auth,
    resolveCredential: (name) => vault.vault.resolve(name),
  });
  try {
    await set.sync(entries);
    return set.reports();
  } finally {
    await set.close();
    await vault.close();
  }
}

function formatReports(reports: readonly UpstreamReport[]): string[] {
  if (reports.length === 0) return ["No upstreams configured"];
  const rows = reports.map((report) => [
    report.name,
    report.state.status,
    report.state.protocolVersion ?? "-",
    String(report.tools),
    `${report.breaker.state} (${report.breaker.consecutiveFailures} failed)`,
    report.state.lastError ?? "",
  ]);
  const header = ["NAME", "STATE", "PROTOCOL", "TOOLS", "CIRCUIT", "LAST ERROR"];
  const widths = header.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => (row[i] ?? "").length))
  );
  return [header, ...rows].map((row) =>
    row.map((cell, i) => i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)).join("  ")
      .trimEnd()
  );
}
