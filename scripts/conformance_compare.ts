/**
 * Turns the check rows of a conformance run into one outcome per scenario, target and spec
 * version, and compares them: a scenario that passes against the fixture directly must pass
 * through the gateway (as an HTTP and as a stdio upstream), and the gateway's upstream client
 * must pass the client scenarios. A difference listed in `conformance_gaps.ts` is a known gap;
 * a listed gap that passes is reported as closed, so the list only shrinks.
 */

import type { Row } from "./conformance_report.ts";

/** Where a scenario ran: the fixture directly, through the gateway, or the gateway as a client. */
export type GapTarget = "direct" | "http" | "stdio" | "client";

/** A scenario known to fail on some targets, and why. */
export interface KnownGap {
  scenario: string;
  targets: readonly GapTarget[];
  /** Absent: every spec version. */
  specVersions?: readonly string[];
  reason: string;
}

/** One scenario at one spec version on one target. */
export interface Outcome {
  scenario: string;
  specVersion: string;
  target: string;
  verdict: "pass" | "fail" | "skipped";
  /** The first failure's check id and message, when it failed. */
  message: string;
}

/** One line of the comparison. */
export interface Finding {
  scenario: string;
  specVersion: string;
  target: string;
  detail: string;
}

/** What the comparison found; only `regressions` fail the run. */
export interface Comparison {
  regressions: Finding[];
  known: Finding[];
  closed: Finding[];
  /** Gaps that match no scenario that ran: a stale name in the list. */
  unused: KnownGap[];
}

/** Groups rows into outcomes, in the order the rows came. */
export function scenarioOutcomes(rows: readonly Row[]): Outcome[] {
  const outcomes = new Map<string, Outcome>();
  for (const row of rows) {
    const key = `${row.target}\0${row.specVersion}\0${row.scenario}`;
    const outcome = outcomes.get(key) ??
      { ...pick(row), verdict: "skipped" as Outcome["verdict"], message: "" };
    outcomes.set(key, outcome);
    if (row.verdict === "failed" || row.verdict === "crashed") {
      if (outcome.verdict !== "fail") outcome.message = `${row.id}: ${row.message}`;
      outcome.verdict = "fail";
    } else if (row.verdict !== "skipped" && outcome.verdict === "skipped") {
      outcome.verdict = "pass";
    }
  }
  return [...outcomes.values()];
}

function pick(row: Row): Pick<Outcome, "scenario" | "specVersion" | "target"> {
  return { scenario: row.scenario, specVersion: row.specVersion, target: row.target };
}

/** The gap that covers a scenario on a target at a spec version, if any. */
export function gapFor(
  gaps: readonly KnownGap[],
  outcome: Pick<Outcome, "scenario" | "specVersion" | "target">,
): KnownGap | undefined {
  return gaps.find((gap) =>
    gap.scenario === outcome.scenario &&
    gap.targets.includes(outcome.target as GapTarget) &&
    (gap.specVersions === undefined || gap.specVersions.includes(outcome.specVersion))
  );
}

/** Compares every non-direct outcome with the direct one of its scenario and spec version. */
export function compareOutcomes(
  outcomes: readonly Outcome[],
  gaps: readonly KnownGap[],
): Comparison {
  const direct = new Map<string, Outcome>();
  for (const outcome of outcomes) {
    if (outcome.target === "direct") {
      direct.set(`${outcome.specVersion}\0${outcome.scenario}`, outcome);
    }
  }
  const comparison: Comparison = { regressions: [], known: [], closed: [], unused: [] };
  const used = new Set<KnownGap>();
  for (const outcome of outcomes) {
    if (outcome.verdict === "skipped" || !isCompared(outcome.target)) continue;
    const baseline = direct.get(`${outcome.specVersion}\0${outcome.scenario}`);
    const gated = outcome.target === "http" || outcome.target === "stdio";
    // Why: a run narrowed to the gateway's targets has no baseline; it compares them anyway.
    if (gated && baseline !== undefined && baseline.verdict !== "pass") continue;
    const gap = gapFor(gaps, outcome);
    if (gap !== undefined) used.add(gap);
    const finding = { ...pick(outcome as Row), detail: outcome.message };
    if (outcome.verdict === "fail") {
      if (gap === undefined) comparison.regressions.push(finding);
      else comparison.known.push({ ...finding, detail: gap.reason });
    } else if (gap !== undefined) {
      comparison.closed.push({ ...finding, detail: `now passes; was: ${gap.reason}` });
    }
  }
  comparison.unused = gaps.filter((gap) => !used.has(gap));
  return comparison;
}

function isCompared(target: string): target is GapTarget {
  return target === "direct" || target === "http" || target === "stdio" || target === "client";
}

/** The scenario × target table per spec version, in markdown (README "Conformance"). */
export function formatScenarioTable(
  outcomes: readonly Outcome[],
  options: {
    targets: readonly string[];
    labels: Record<string, string>;
    specVersions: readonly string[];
    /** A failure these cover reads "gap" instead of "**fail**". */
    gaps?: readonly KnownGap[];
  },
): string {
  const byKey = new Map(outcomes.map((o) => [`${o.target}\0${o.specVersion}\0${o.scenario}`, o]));
  const scenarios = [
    ...new Set(
      outcomes.filter((o) => options.targets.includes(o.target))
        .map((o) => o.scenario),
    ),
  ];
  const columns = options.specVersions.flatMap((version) =>
    options.targets.map((target) => ({ version, target }))
  );
  const header = ["scenario", ...columns.map((c) => `${c.version} ${options.labels[c.target]}`)];
  const lines = [header, header.map(() => "---")];
  for (const scenario of scenarios) {
    lines.push([
      `\`${scenario}\``,
      ...columns.map(({ version, target }) => {
        const outcome = byKey.get(`${target}\0${version}\0${scenario}`);
        if (outcome === undefined || outcome.verdict === "skipped") return "–";
        if (outcome.verdict === "pass") return "pass";
        return gapFor(options.gaps ?? [], outcome) === undefined ? "**fail**" : "gap";
      }),
    ]);
  }
  return lines.map((cells) => `| ${cells.join(" | ")} |`).join("\n");
}

/** The comparison as text lines for the console. */
export function formatComparison(comparison: Comparison): string[] {
  const line = (f: Finding) => `  ${f.target} ${f.specVersion} ${f.scenario}: ${f.detail}`;
  return [
    `regressions (fail the run): ${comparison.regressions.length}`,
    ...comparison.regressions.map(line),
    `known gaps (scripts/conformance_gaps.ts): ${comparison.known.length}`,
    ...comparison.known.map(line),
    `gaps that now pass (remove them from scripts/conformance_gaps.ts): ${comparison.closed.length}`,
    ...comparison.closed.map(line),
    ...(comparison.unused.length === 0 ? [] : [
      `gaps matching nothing that ran (stale, fail the run): ${comparison.unused.length}`,
      ...comparison.unused.map((gap) => `  ${gap.targets.join(",")} ${gap.scenario}`),
    ]),
  ];
}
