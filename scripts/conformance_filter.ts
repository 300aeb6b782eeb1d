/**
 * The command line of `deno task conformance`: `--scenario NAME`, `--target T` and
 * `--spec-version V` (each repeatable) narrow a run to the named scenarios, targets and
 * versions, so one scenario can be checked in seconds while working on it. A narrowed run starts
 * only the processes its targets need, runs each server scenario in its own suite process, and
 * does not write the README tables unless `--markdown` is given.
 */

import { parseArgs } from "node:util";
import type { KnownGap } from "./conformance_compare.ts";
import { SPEC_VERSIONS, type SpecVersion } from "./conformance_suite.ts";

/** Every target a run can have. */
export const ALL_TARGETS = ["shipped", "direct", "http", "stdio", "client"] as const;
/** A target. */
export type Target = typeof ALL_TARGETS[number];

/** What a run covers. */
export interface RunFilter {
  /** Undefined: every scenario. */
  scenarios: ReadonlySet<string> | undefined;
  targets: ReadonlySet<Target>;
  specVersions: readonly SpecVersion[];
  /** Whether any of the three options narrowed the run. */
  narrowed: boolean;
  /** Where the markdown tables go; undefined on a narrowed run without `--markdown`. */
  markdown: string | undefined;
}

const USAGE = "Usage: deno task conformance [--markdown FILE] [--scenario NAME]... " +
  `[--target ${ALL_TARGETS.join("|")}]... [--spec-version ${SPEC_VERSIONS.join("|")}]...`;

/** Reads argv; throws `Cannot parse arguments: …` with the usage on a bad one. */
export function parseRunFilter(argv: string[], defaultMarkdown: string): RunFilter {
  const { values } = parseRunArgs(argv);
  const targets = values.target ?? [...ALL_TARGETS];
  const badTarget = targets.find((target) => !(ALL_TARGETS as readonly string[]).includes(target));
  if (badTarget !== undefined) fail(`unknown target "${badTarget}"`);
  const versions = values["spec-version"] ?? [...SPEC_VERSIONS];
  const badVersion = versions.find((v) => !(SPEC_VERSIONS as readonly string[]).includes(v));
  if (badVersion !== undefined) fail(`unknown spec version "${badVersion}"`);
  const narrowed = values.scenario !== undefined || values.target !== undefined ||
    values["spec-version"] !== undefined;
  return {
    scenarios: values.scenario === undefined ? undefined : new Set(values.scenario),
    targets: new Set(targets as Target[]),
    specVersions: SPEC_VERSIONS.filter((version) => versions.includes(version)),
    narrowed,
    markdown: values.markdown ?? (narrowed ? undefined : defaultMarkdown),
  };
}

function parseRunArgs(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: {
        markdown: { type: "string" },
        scenario: { type: "string", multiple: true },
        target: { type: "string", multiple: true },
        "spec-version": { type: "string", multiple: true },
      },
    });
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
}

function fail(reason: string): never {
  throw new Error(`Cannot parse arguments: ${reason}\n${USAGE}`);
}

/** Whether the filter lets `scenario` run. */
export function wantsScenario(filter: RunFilter, scenario: string): boolean {
  return filter.scenarios === undefined || filter.scenarios.has(scenario);
}

/**
 * The gaps a narrowed run can judge: those with a scenario and target it ran (a full run judges
 * them all, so a stale entry fails it).
 */
export function gapsInScope(filter: RunFilter, gaps: readonly KnownGap[]): KnownGap[] {
  return gaps.filter((gap) =>
    wantsScenario(filter, gap.scenario) &&
    gap.targets.some((target) => filter.targets.has(target)) &&
    (gap.specVersions === undefined ||
      gap.specVersions.some((v) => (filter.specVersions as readonly string[]).includes(v)))
  );
}
