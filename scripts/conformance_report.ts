/**
 * Reads the MCP conformance suite's `checks.json` and turns it into the report that
 * `scripts/conformance.ts` prints: one row per check, a verdict per row, a text table, a markdown
 * table and a summary line.
 *
 * The suite marks a check it could not exercise (it needs the suite's diagnostic fixture tools,
 * such as `test_missing_capability`) with `details.untestable: true` and an `errorMessage` that
 * starts "Not testable:", while keeping its status FAILURE or WARNING; such rows get the verdict
 * "not testable" instead of "failed".
 */

import { join } from "node:path";

/** What a row counts as in the summary; only "failed" and "crashed" fail the run. */
export type Verdict =
  | "passed"
  | "failed"
  | "not testable"
  | "warning"
  | "info"
  | "skipped"
  | "crashed";

/** One scenario at one spec version against one target (`shipped`, `direct`, `http`, …). */
export interface Run {
  scenario: string;
  specVersion: string;
  target: string;
}

/** One check of one run, or one row standing for a run that produced no checks. */
export interface Row extends Run {
  id: string;
  status: string;
  verdict: Verdict;
  message: string;
}

/** One entry of `checks.json`, reduced to the fields the report reads. */
interface SuiteCheck {
  id: string;
  status: string;
  errorMessage?: string;
  untestable: boolean;
}

const VERDICTS: Record<string, Verdict> = {
  SUCCESS: "passed",
  FAILURE: "failed",
  WARNING: "warning",
  INFO: "info",
  SKIPPED: "skipped",
};

/** Reads one result folder's `checks.json`; throws when it is missing. */
export async function readResultDir(run: Run, resultDir: string): Promise<Row[]> {
  const text = await Deno.readTextFile(join(resultDir, "checks.json")).catch(() => "");
  if (text === "") throw new Error("no checks.json written");
  return parseChecks(text).map((check) => toRow(run, check));
}

/** Reads every `<outDir>/<scenario folder>/checks.json`; throws when there is none. */
export async function readRows(run: Run, outDir: string): Promise<Row[]> {
  const checks: SuiteCheck[] = [];
  let found = false;
  for await (const entry of readDirIfAny(outDir)) {
    if (!entry.isDirectory) continue;
    const text = await Deno.readTextFile(join(outDir, entry.name, "checks.json")).catch(() => "");
    if (text === "") continue;
    found = true;
    checks.push(...parseChecks(text));
  }
  if (!found) throw new Error("no checks.json written");
  return checks.map((check) => toRow(run, check));
}

/** A row for a run that ended without checks: timed out, threw, or wrote nothing. */
export function crashRow(run: Run, message: string): Row {
  return { ...run, id: "(scenario)", status: "CRASH", verdict: "crashed", message };
}

/** A row for a run the suite declined, such as a scenario not applicable at that version. */
export function skippedRow(run: Run, message: string): Row {
  return { ...run, id: "(scenario)", status: "SKIPPED", verdict: "skipped", message };
}

/** Counts rows per verdict; every verdict is present, zero or not. */
export function countVerdicts(rows: Row[]): Record<Verdict, number> {
  const counts: Record<Verdict, number> = {
    passed: 0,
    failed: 0,
    "not testable": 0,
    warning: 0,
    info: 0,
    skipped: 0,
    crashed: 0,
  };
  for (const row of rows) counts[row.verdict] += 1;
  return counts;
}

/** `conformance: 60 passed, 0 failed, 4 not testable, …`. */
export function formatSummary(counts: Record<Verdict, number>): string {
  return `conformance: ${counts.passed} passed, ${counts.failed} failed, ` +
    `${counts["not testable"]} not testable, ${counts.warning} warnings, ${counts.info} info, ` +
    `${counts.skipped} skipped, ${counts.crashed} crashed`;
}

/** A padded text table; identical rows of one run are shown once with `×n`. */
export function formatTable(rows: Row[]): string {
  const header = ["target", "scenario", "spec", "check", "status", "message"];
  const lines = [header, ...collapse(rows).map(({ row, count }) => cellsOf(row, count))];
  const widths = header.map((_, column) => Math.max(...lines.map((line) => line[column]!.length)));
  return lines
    .map((line) => line.map((cell, column) => cell.padEnd(widths[column]!)).join("  ").trimEnd())
    .join("\n");
}

/** The same table in markdown, headed by which suite ran it and followed by the summary. */
export function formatMarkdown(rows: Row[], options: { suite: string; summary: string }): string {
  const body = collapse(rows).map(({ row, count }) => {
    const [, scenario, spec, id, status, message] = cellsOf(row, count).map(escapeMarkdown);
    return `| ${scenario} | ${spec} | ${id} | ${status} | ${message} |`;
  });
  return [
    `Conformance of \`deno task start\` with the shipped tools, checked with \`${options.suite}\`` +
    " by `deno task conformance`.",
    "",
    "| scenario | spec | check | status | message |",
    "| --- | --- | --- | --- | --- |",
    ...body,
    "",
    `\`${options.summary}\``,
    "",
  ].join("\n");
}

async function* readDirIfAny(path: string): AsyncIterable<Deno.DirEntry> {
  try {
    yield* Deno.readDir(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

function parseChecks(text: string): SuiteCheck[] {
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed)) throw new Error("checks.json is not an array");
  return parsed.map((item: unknown) => {
    const check = (typeof item === "object" && item !== null ? item : {}) as Record<
      string,
      unknown
    >;
    if (typeof check.id !== "string" || typeof check.status !== "string") {
      throw new Error(`checks.json has an entry without id or status: ${JSON.stringify(item)}`);
    }
    const details = check.details as Record<string, unknown> | undefined;
    return {
      id: check.id,
      status: check.status,
      errorMessage: typeof check.errorMessage === "string" ? check.errorMessage : undefined,
      untestable: details?.untestable === true,
    };
  });
}

function toRow(run: Run, check: SuiteCheck): Row {
  const message = oneLine(check.errorMessage ?? "");
  const untestable = check.untestable || message.startsWith("Not testable");
  if (untestable && check.status !== "SUCCESS") {
    const status = `${check.status} (not testable)`;
    return { ...run, id: check.id, status, verdict: "not testable", message };
  }
  // Why: a status this script does not know counts as a failure, so a suite upgrade that adds
  // one is looked at instead of passing silently.
  const verdict = VERDICTS[check.status] ?? "failed";
  return {
    ...run,
    id: check.id,
    status: check.status,
    verdict,
    message: verdict === "passed" ? "" : message,
  };
}

/** Merges rows of one run that are identical (the suite repeats an id for each sub-case). */
function collapse(rows: Row[]): { row: Row; count: number }[] {
  const groups = new Map<string, { row: Row; count: number }>();
  for (const row of rows) {
    const key = JSON.stringify(cellsOf(row, 1));
    const group = groups.get(key);
    if (group) group.count += 1;
    else groups.set(key, { row, count: 1 });
  }
  return [...groups.values()];
}

function cellsOf(row: Row, count: number): string[] {
  const id = count > 1 ? `${row.id} ×${count}` : row.id;
  return [row.target, row.scenario, row.specVersion, id, row.status, row.message];
}

function escapeMarkdown(cell: string): string {
  return cell.replaceAll("|", "\\|");
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
