// deno-lint-ignore-file no-console
/**
 * Runs the official MCP conformance suite against the gateway serving the shipped tools, run by
 * `deno task conformance`.
 *
 * Starts `main.ts serve` on a free port, asks the suite which of `SCENARIOS` apply at each of
 * `SPEC_VERSIONS` (`list --server --spec-version`), and runs every applicable pair once,
 * sequentially, at that version's wire: 2025-11-25 is the stateful initialize handshake,
 * 2026-07-28 is stateless with per-request `_meta`, and one says nothing about the other.
 * Prints every check, a summary line, and writes the table as markdown (`conformance_report.ts`).
 *
 * Checks the suite marks "Not testable" (they need its diagnostic fixture tools, such as
 * `test_missing_capability`, which a gateway does not ship) are counted apart, and so are WARNING
 * (a SHOULD), INFO and SKIPPED; none of them fails the run. Exit 1 when a check failed, a scenario
 * crashed or the gateway died; 0 otherwise. Results go to a temp dir that is removed at the end.
 *
 * Usage: deno task conformance [--markdown /tmp/conformance_result.md]
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  countVerdicts,
  crashRow,
  formatMarkdown,
  formatSummary,
  formatTable,
  readRows,
  type Row,
  type Run,
  skippedRow,
} from "./conformance_report.ts";

const SUITE = "npm:@modelcontextprotocol/conformance@0.2.0-alpha.12";
const SCENARIOS = [
  "server-initialize",
  "ping",
  "tools-list",
  "dns-rebinding-protection",
  "server-stateless",
  "caching",
  "http-header-validation",
] as const;
const SPEC_VERSIONS = ["2025-11-25", "2026-07-28"] as const;
const STARTUP_TIMEOUT_MS = 30_000;
/** The first listing downloads the suite from npm, so it gets longer than a scenario. */
const LIST_TIMEOUT_MS = 120_000;
/** The suite stops a scenario itself after 30 s; this only catches a hung process. */
const SCENARIO_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 5_000;
const TAIL_LINES = 30;
const DEFAULT_MARKDOWN = "/tmp/conformance_result.md";
const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** `deno task start`, with the task's permissions. */
const GATEWAY_ARGS = ("run --unstable-no-legacy-abort --allow-net --allow-read --allow-write " +
  "--allow-env --allow-sys main.ts serve").split(" ");
const TIMEOUT = Symbol("timeout");

type SpecVersion = typeof SPEC_VERSIONS[number];

interface Gateway {
  url: string;
  hasExited: () => boolean;
  stderrTail: () => string[];
  stop: () => Promise<void>;
}

interface SuiteOutput {
  code: number | undefined;
  stdout: string;
  stderr: string;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { markdown: { type: "string" } } });
  const workDir = await Deno.makeTempDir({ prefix: "nexus-conformance-" });
  let gateway: Gateway | undefined;
  let died = false;
  try {
    const runs = await planRuns(workDir);
    gateway = await startGateway();
    console.log(`gateway listening at ${gateway.url}; running ${SUITE}:`);
    const rows = await runAll(runs, gateway, workDir);
    died = gateway.hasExited();
    const ok = await report(rows, values.markdown ?? DEFAULT_MARKDOWN);
    return ok && !died ? 0 : 1;
  } catch (error) {
    died = gateway?.hasExited() ?? false;
    console.error(`conformance: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    await gateway?.stop();
    if (died) printTail("gateway exited during the run", gateway?.stderrTail() ?? []);
    await Deno.remove(workDir, { recursive: true }).catch(() => {});
  }
}

/** Asks the suite which scenarios apply at each spec version; every scenario must apply once. */
async function planRuns(workDir: string): Promise<Run[]> {
  const listed = new Map<SpecVersion, Set<string>>();
  for (const specVersion of SPEC_VERSIONS) {
    listed.set(specVersion, await listScenarios(specVersion, workDir));
  }
  const runs: Run[] = [];
  const unknown: string[] = [];
  for (const scenario of SCENARIOS) {
    const versions = SPEC_VERSIONS.filter((version) => listed.get(version)?.has(scenario));
    if (versions.length === 0) unknown.push(scenario);
    for (const specVersion of versions) runs.push({ scenario, specVersion });
  }
  if (unknown.length > 0) {
    throw new Error(
      `Cannot plan the run: not listed at ${SPEC_VERSIONS.join(" or ")}: ${unknown.join(", ")}`,
    );
  }
  return runs;
}

async function listScenarios(specVersion: SpecVersion, workDir: string): Promise<Set<string>> {
  const args = ["list", "--server", "--spec-version", specVersion];
  const output = await runSuite(args, workDir, LIST_TIMEOUT_MS);
  if (output.code !== 0) {
    throw new Error(`Cannot list the suite's scenarios:\n${suiteDiagnostics(output).join("\n")}`);
  }
  const names = output.stdout.split("\n").map((line) => /^\s+- (\S+)/.exec(line)?.[1]);
  return new Set(names.filter((name) => name !== undefined));
}

/** Starts `main.ts serve` on a free port and resolves once it logs "Nexus listening". */
async function startGateway(): Promise<Gateway> {
  const child = new Deno.Command(Deno.execPath(), {
    args: GATEWAY_ARGS,
    cwd: ROOT,
    env: { NEXUS_PORT: "0", NEXUS_HOST: "127.0.0.1", NEXUS_TOOLS_DIR: "tools" },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let exited = false;
  const status = child.status.finally(() => {
    exited = true;
  });
  const tail: string[] = [];
  const { promise: listening, resolve } = Promise.withResolvers<string | undefined>();
  const drained = readLines(child.stderr, (line) => {
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
    const url = listeningUrl(line);
    if (url !== undefined) resolve(url);
  }).catch(() => {}).finally(() => resolve(undefined));
  const gateway: Gateway = {
    url: "",
    hasExited: () => exited,
    stderrTail: () => [...tail],
    stop: () => stopChild(child, Promise.all([status, drained])),
  };
  const url = await withTimeout(listening, STARTUP_TIMEOUT_MS);
  if (typeof url === "string") return { ...gateway, url };
  await gateway.stop();
  printTail("gateway stderr", tail);
  const why = url === TIMEOUT
    ? `no "Nexus listening" on stderr after ${STARTUP_TIMEOUT_MS / 1000} s`
    : "it exited before listening";
  throw new Error(`Cannot start the gateway: ${why}`);
}

async function readLines(
  stream: ReadableStream<Uint8Array>,
  onLine: (line: string) => void,
): Promise<void> {
  let buffer = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    const lines = (buffer + chunk).split("\n");
    buffer = lines.pop() ?? "";
    lines.forEach(onLine);
  }
  if (buffer !== "") onLine(buffer);
}

function listeningUrl(line: string): string | undefined {
  try {
    const entry: unknown = JSON.parse(line);
    if (typeof entry !== "object" || entry === null) return undefined;
    const { msg, url } = entry as Record<string, unknown>;
    return msg === "Nexus listening" && typeof url === "string" ? url : undefined;
  } catch {
    return undefined;
  }
}

/** SIGTERM (the gateway shuts down gracefully), SIGKILL after a grace period; waits for exit. */
async function stopChild(child: Deno.ChildProcess, done: Promise<unknown>): Promise<void> {
  signal(child, "SIGTERM");
  if (await withTimeout(done, STOP_GRACE_MS) !== TIMEOUT) return;
  signal(child, "SIGKILL");
  await done;
}

function signal(child: Deno.ChildProcess, name: Deno.Signal): void {
  try {
    child.kill(name);
  } catch {
    // Already exited.
  }
}

async function runAll(runs: Run[], gateway: Gateway, workDir: string): Promise<Row[]> {
  const rows: Row[] = [];
  for (const run of runs) {
    if (gateway.hasExited()) {
      rows.push(crashRow(run, "gateway exited before this run"));
      continue;
    }
    rows.push(...await runScenario(run, gateway.url, workDir));
  }
  return rows;
}

/** Runs one scenario at one spec version into its own results folder and reads its checks. */
async function runScenario(run: Run, url: string, workDir: string): Promise<Row[]> {
  const outDir = join("results", run.specVersion, run.scenario);
  const started = performance.now();
  const args = ["server", "--url", url, "--scenario", run.scenario];
  args.push("--spec-version", run.specVersion, "--output-dir", outDir);
  const output = await runSuite(args, workDir, SCENARIO_TIMEOUT_MS);
  const rows = await collectRows(run, output, join(workDir, outDir));
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`  ${run.scenario} @ ${run.specVersion}: ${rows.length} checks in ${seconds} s`);
  if (rows.some((row) => row.verdict === "crashed")) {
    printTail("suite output", suiteDiagnostics(output));
  }
  return rows;
}

async function collectRows(run: Run, output: SuiteOutput, outDir: string): Promise<Row[]> {
  if (output.code === undefined) {
    return [crashRow(run, `suite timed out after ${SCENARIO_TIMEOUT_MS / 1000} s`)];
  }
  const skipped = /^SKIPPED: (.*)$/m.exec(output.stdout)?.[1];
  if (skipped !== undefined) return [skippedRow(run, skipped)];
  try {
    const rows = await readRows(run, outDir);
    return rows.length > 0 ? rows : [crashRow(run, `suite exited ${output.code} with no checks`)];
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return [crashRow(run, `suite exited ${output.code}: ${why}`)];
  }
}

/** Runs the suite through Deno's npm support in `cwd`; `code` is undefined on timeout. */
async function runSuite(args: string[], cwd: string, timeoutMs: number): Promise<SuiteOutput> {
  // Why: --no-config keeps the temp dir's parents from lending the suite a deno.json, --quiet
  // keeps npm download chatter out of its stderr, and as third-party code it may write only its
  // own temp dir.
  const permissions = ["--allow-net", "--allow-read", `--allow-write=${cwd}`, "--allow-env"];
  const command = new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "--no-config", ...permissions, "--allow-sys", SUITE, ...args],
    cwd,
    env: { NO_COLOR: "1", FORCE_COLOR: "0" },
    stdin: "null",
    signal: AbortSignal.timeout(timeoutMs),
  });
  const output = await command.output();
  const decoder = new TextDecoder();
  return {
    code: output.signal === null ? output.code : undefined,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** Prints the table and summary, writes the markdown; true when nothing failed or crashed. */
async function report(rows: Row[], markdownPath: string): Promise<boolean> {
  const counts = countVerdicts(rows);
  const summary = formatSummary(counts);
  console.log(`\n${formatTable(rows)}\n\n${summary}`);
  await Deno.writeTextFile(markdownPath, formatMarkdown(rows, { suite: SUITE, summary }));
  console.log(`markdown table written to ${markdownPath}`);
  return counts.failed === 0 && counts.crashed === 0;
}

/** The start of stderr, where the suite puts its error, else the end of stdout. */
function suiteDiagnostics(output: SuiteOutput): string[] {
  const stderr = output.stderr.split("\n").filter((line) => line.trim() !== "");
  if (stderr.length > 0) return stderr.slice(0, TAIL_LINES);
  return output.stdout.split("\n").filter((line) => line.trim() !== "").slice(-TAIL_LINES);
}

function printTail(title: string, lines: string[]): void {
  console.error(`--- ${title} ---\n${lines.join("\n")}\n---`);
}

/** Resolves with the promise's value, or `TIMEOUT` after `ms`. */
async function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
): Promise<T | typeof TIMEOUT> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<typeof TIMEOUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMEOUT), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
