/**
 * Runs the official MCP conformance suite (pinned in `SUITE`) through Deno's npm support: lists
 * its scenarios, runs server scenarios against a URL (one scenario, or every scenario that
 * applies at a spec version in one suite process) and client scenarios against a client command,
 * and reads the checks each run wrote into rows (`conformance_report.ts`).
 */

import { join } from "node:path";
import {
  crashRow,
  readResultDir,
  readRows,
  type Row,
  type Run,
  skippedRow,
} from "./conformance_report.ts";

/** The suite, pinned: 0.2.0-alpha.12 is the first with 2026-07-28 and its requirement sets. */
export const SUITE = "npm:@modelcontextprotocol/conformance@0.2.0-alpha.12";
/** The spec versions every run covers. */
export const SPEC_VERSIONS = ["2025-11-25", "2026-07-28"] as const;
/** A spec version. */
export type SpecVersion = typeof SPEC_VERSIONS[number];

/** The first listing downloads the suite from npm, so it gets longer than a scenario. */
const LIST_TIMEOUT_MS = 120_000;
/** Per scenario inside the suite; a scenario waiting on something that never comes ends here. */
const SCENARIO_TIMEOUT_MS = 15_000;
const TAIL_LINES = 30;
/** A result folder: `[server-]<scenario>-<ISO timestamp with - for : and .>`. */
const RESULT_DIR = /^(?:server-)?(.+)-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z$/;

/** What one suite process printed, and its exit code (undefined on timeout). */
export interface SuiteOutput {
  code: number | undefined;
  stdout: string;
  stderr: string;
}

/** The scenarios of one kind the suite lists at a spec version. */
export async function listScenarios(
  kind: "server" | "client",
  specVersion: SpecVersion,
  workDir: string,
): Promise<Set<string>> {
  const output = await runSuite(["list", `--${kind}`, "--spec-version", specVersion], {
    cwd: workDir,
    timeoutMs: LIST_TIMEOUT_MS,
  });
  if (output.code !== 0) {
    throw new Error(`Cannot list the suite's scenarios:\n${suiteDiagnostics(output).join("\n")}`);
  }
  const section = kind === "server" ? /^Server scenarios/ : /^Client scenarios/;
  const names = new Set<string>();
  let inSection = false;
  for (const line of output.stdout.split("\n")) {
    if (/^\S/.test(line)) inSection = section.test(line);
    const name = /^\s+- (\S+)/.exec(line)?.[1];
    if (inSection && name !== undefined) names.add(name);
  }
  return names;
}

/**
 * Runs every server scenario that applies at `specVersion` (`--suite all`, pending ones too) in
 * one suite process; `expected` names the scenarios that must have written checks (a missing one
 * becomes a crash row).
 */
export async function runServerSuite(
  url: string,
  options: { specVersion: SpecVersion; target: string; expected: string[]; workDir: string },
): Promise<Row[]> {
  const outDir = join("results", options.target, options.specVersion);
  const args = ["server", "--url", url, "--suite", "all", "--spec-version", options.specVersion];
  args.push("--timeout", String(SCENARIO_TIMEOUT_MS), "--output-dir", outDir);
  const timeoutMs = SCENARIO_TIMEOUT_MS * options.expected.length + 60_000;
  const output = await runSuite(args, { cwd: options.workDir, timeoutMs });
  const dirs = await resultDirs(join(options.workDir, outDir));
  const rows: Row[] = [];
  for (const scenario of options.expected) {
    const run: Run = { scenario, specVersion: options.specVersion, target: options.target };
    const dir = dirs.get(scenario);
    if (dir === undefined) {
      const why = output.code === undefined ? "the suite timed out" : `exit ${output.code}`;
      rows.push(crashRow(run, `no checks written (${why})`));
      continue;
    }
    rows.push(...await readRowsOrCrash(run, dir, { single: true }));
  }
  return rows;
}

/** Runs one server scenario at one spec version into its own results folder. */
export async function runServerScenario(
  url: string,
  run: Run & { specVersion: SpecVersion },
  workDir: string,
): Promise<Row[]> {
  const outDir = join("results", run.target, run.specVersion, run.scenario);
  const args = ["server", "--url", url, "--scenario", run.scenario];
  args.push("--spec-version", run.specVersion, "--output-dir", outDir);
  const output = await runSuite(args, { cwd: workDir, timeoutMs: 2 * SCENARIO_TIMEOUT_MS });
  return await collect(run, output, join(workDir, outDir));
}

/** Runs one client scenario, the suite starting `command <its server URL>`. */
export async function runClientScenario(
  command: string,
  run: Run & { specVersion: SpecVersion },
  options: { workDir: string; env?: Record<string, string> },
): Promise<Row[]> {
  const outDir = join("results", run.target, run.specVersion, run.scenario.replaceAll("/", "_"));
  const args = ["client", "--command", command, "--scenario", run.scenario];
  args.push("--spec-version", run.specVersion, "--timeout", "60000", "--output-dir", outDir);
  const output = await runSuite(args, {
    cwd: options.workDir,
    timeoutMs: 90_000,
    allowRun: true,
    env: options.env,
  });
  return await collect(run, output, join(options.workDir, outDir));
}

async function collect(run: Run, output: SuiteOutput, outDir: string): Promise<Row[]> {
  if (output.code === undefined) return [crashRow(run, "the suite timed out")];
  const skipped = /^SKIPPED: (.*)$/m.exec(output.stdout)?.[1];
  if (skipped !== undefined) return [skippedRow(run, skipped)];
  const rows = await readRowsOrCrash(run, outDir);
  if (rows.some((row) => row.verdict === "crashed")) {
    rows.push(crashRow(run, suiteDiagnostics(output).slice(0, 5).join(" | ")));
  }
  return rows;
}

async function readRowsOrCrash(
  run: Run,
  dir: string,
  options: { single?: boolean } = {},
): Promise<Row[]> {
  try {
    const rows = options.single ? await readResultDir(run, dir) : await readRows(run, dir);
    return rows.length > 0 ? rows : [crashRow(run, "the suite wrote no checks")];
  } catch (error) {
    return [crashRow(run, error instanceof Error ? error.message : String(error))];
  }
}

/** Scenario name → its result folder, for the folders one suite process wrote. */
async function resultDirs(outDir: string): Promise<Map<string, string>> {
  const dirs = new Map<string, string>();
  try {
    for await (const entry of Deno.readDir(outDir)) {
      const scenario = RESULT_DIR.exec(entry.name)?.[1];
      if (entry.isDirectory && scenario !== undefined) dirs.set(scenario, join(outDir, entry.name));
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return dirs;
}

/** Runs the suite in `cwd`; `code` is undefined on timeout. */
export async function runSuite(
  args: string[],
  options: { cwd: string; timeoutMs: number; allowRun?: boolean; env?: Record<string, string> },
): Promise<SuiteOutput> {
  // Why: --no-config keeps the temp dir's parents from lending the suite a deno.json, --quiet
  // keeps npm download chatter out of its stderr, and as third-party code it may write only its
  // own temp dir (and run a program only when it must start the client under test).
  const permissions = [
    "--allow-net",
    "--allow-read",
    `--allow-write=${options.cwd}`,
    "--allow-env",
  ];
  if (options.allowRun) permissions.push("--allow-run");
  const command = new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "--no-config", ...permissions, "--allow-sys", SUITE, ...args],
    cwd: options.cwd,
    env: { NO_COLOR: "1", FORCE_COLOR: "0", ...options.env },
    stdin: "null",
    signal: AbortSignal.timeout(options.timeoutMs),
  });
  const output = await command.output();
  const decoder = new TextDecoder();
  return {
    code: output.signal === null ? output.code : undefined,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** The start of stderr, where the suite puts its error, else the end of stdout. */
export function suiteDiagnostics(output: SuiteOutput): string[] {
  const stderr = output.stderr.split("\n").filter((line) => line.trim() !== "");
  if (stderr.length > 0) return stderr.slice(0, TAIL_LINES);
  return output.stdout.split("\n").filter((line) => line.trim() !== "").slice(-TAIL_LINES);
}
