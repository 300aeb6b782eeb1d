/**
 * `nexus upstreams list`: connects to every upstream (of `nexus.yaml` and of tool files), lists
 * its tools, and prints its state, protocol version, tool count, start mode (`lazy`, `boot`), the
 * children of a `perClient` upstream, circuit breaker and last error. Unlike
 * `nexus check`, this command does connect, and starts each stdio upstream (stopped again at exit).
 * `nexus upstreams diff NAME` lists one upstream and prints, tool by tool and field by field, what
 * differs from the pins in the store (and hidden Unicode); `approve NAME [--tool T]` pins what it
 * lists now and, with Redis configured, tells running instances to list the upstream again.
 */

import { parseArgs } from "node:util";
import type { Config } from "../config/mod.ts";
import { announceOnce, configEntries, openVault, registryEnv } from "../gateway/mod.ts";
import { silentLogger } from "../log.ts";
import { GatewayError } from "../errors.ts";
import { loadRegistry } from "../registry/mod.ts";
import {
  approveListed,
  checkUpstreams,
  createUpstreamSet,
  formatPinChecks,
  reviewPins,
  type UpstreamEntry,
  type UpstreamReport,
} from "../upstreams/mod.ts";
import { messageOf, writeErr, writeOut } from "./io.ts";

const USAGE = `Usage: nexus upstreams list [--json] [--config FILE]
       nexus upstreams diff NAME [--config FILE]
       nexus upstreams approve NAME [--tool T] [--config FILE]`;

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
    options: { json: { type: "boolean" }, config: { type: "string" }, tool: { type: "string" } },
  });
  const [command, name] = positionals;
  if ((command === "diff" || command === "approve") && positionals.length === 2) {
    const tool = typeof values.tool === "string" ? values.tool : undefined;
    return await runPins(config, command, name!, { ...options, ...(tool ? { tool } : {}) });
  }
  if (command !== "list" || positionals.length !== 1) {
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

async function loadEntries(config: Config, configPath?: string): Promise<UpstreamEntry[]> {
  const { snapshot } = await loadRegistry(config.toolsDir, registryEnv(config, config.port));
  const all = [...configEntries(config, configPath), ...snapshot.upstreams];
  const { entries, problems } = checkUpstreams(all, snapshot.tools);
  for (const problem of problems) writeErr(`Upstream problem: ${problem}`);
  return entries;
}

async function runPins(
  config: Config,
  command: "diff" | "approve",
  name: string,
  options: { configPath?: string; tool?: string },
): Promise<number> {
  try {
    const entry = (await loadEntries(config, options.configPath)).find((candidate) =>
      candidate.spec.name === name
    );
    if (entry === undefined) throw new GatewayError("NOT_FOUND", `No upstream named "${name}"`);
    const vault = await openVault(config, { logger: silentLogger });
    const set = createUpstreamSet({
      logger: silentLogger,
      retryMs: 0,
      resolveAuth: async (credential) => (await vault.vault.resolve(credential)).auth,
      resolveCredential: (credential) => vault.vault.resolve(credential),
    });
    try {
      await set.sync([entry]);
      const pins = vault.store.pins;
      if (command === "approve") {
        const approved = await approveListed(set, pins, name, {
          by: Deno.env.get("USER") ?? "operator",
          ...(options.tool ? { tool: options.tool } : {}),
        });
        if (approved.length === 0) {
          writeOut(`Nothing to approve on upstream "${name}"`);
          return 0;
        }
        writeOut(`Approved ${approved.join(", ")} on upstream "${name}"`);
        // Why: running instances list the upstream again now, not at their 30 s relisting.
        const event = { kind: "pins" as const, upstream: name };
        if (await announceOnce(config, event, { logger: silentLogger })) {
          writeOut("Announced to the running instances (Redis)");
        }
        return 0;
      }
      const { checks, pinned } = await reviewPins(set, pins, name);
      const lines = formatPinChecks(checks, pinned);
      if (lines.length === 0) writeOut(`Upstream "${name}" matches its pins`);
      for (const line of lines) writeOut(line);
      return 0;
    } finally {
      await set.close();
      await vault.close();
    }
  } catch (error) {
    writeErr(messageOf(error));
    return 1;
  }
}

async function listUpstreams(config: Config, configPath?: string): Promise<UpstreamReport[]> {
  const entries = await loadEntries(config, configPath);
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
    report.start,
    report.perClient ? String(report.state.children ?? 0) : "-",
    `${report.breaker.state} (${report.breaker.consecutiveFailures} failed)`,
    report.state.lastError ?? "",
  ]);
  const header = [
    "NAME",
    "STATE",
    "PROTOCOL",
    "TOOLS",
    "START",
    "CHILDREN",
    "CIRCUIT",
    "LAST ERROR",
  ];
  const widths = header.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => (row[i] ?? "").length))
  );
  return [header, ...rows].map((row) =>
    row.map((cell, i) => i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)).join("  ")
      .trimEnd()
  );
}
