import assert from "node:assert/strict";
import {
  compareOutcomes,
  type KnownGap,
  scenarioOutcomes,
} from "../../scripts/conformance_compare.ts";
import type { Row, Verdict } from "../../scripts/conformance_report.ts";

function row(target: string, scenario: string, verdict: Verdict, specVersion = "2026-07-28"): Row {
  return {
    target,
    scenario,
    specVersion,
    id: `${scenario}-check`,
    status: verdict,
    verdict,
    message: verdict,
  };
}

Deno.test("scenarioOutcomes() fails a scenario on a failed or crashed check, not on warnings", () => {
  const outcomes = scenarioOutcomes([
    row("direct", "a", "passed"),
    row("direct", "a", "warning"),
    row("direct", "a", "not testable"),
    row("direct", "b", "passed"),
    row("direct", "b", "failed"),
    row("direct", "c", "crashed"),
    row("direct", "d", "skipped"),
  ]);
  assert.deepEqual(outcomes.map((o) => [o.scenario, o.verdict]), [
    ["a", "pass"],
    ["b", "fail"],
    ["c", "fail"],
    ["d", "skipped"],
  ]);
  assert.equal(outcomes[1]?.message, "b-check: failed");
});

Deno.test("compareOutcomes() flags a scenario that passes directly and fails through the gateway", () => {
  const outcomes = scenarioOutcomes([
    row("direct", "tools-list", "passed"),
    row("http", "tools-list", "passed"),
    row("stdio", "tools-list", "failed"),
  ]);
  const comparison = compareOutcomes(outcomes, []);
  assert.deepEqual(comparison.regressions.map((f) => `${f.target} ${f.scenario}`), [
    "stdio tools-list",
  ]);
});

Deno.test("compareOutcomes() reports listed gaps as known, and a listed gap that passes as closed", () => {
  const gaps: KnownGap[] = [
    { scenario: "prompts-get-simple", targets: ["http", "stdio"], reason: "prompts: fed-lists" },
    { scenario: "ping", targets: ["http"], specVersions: ["2025-11-25"], reason: "old" },
  ];
  const outcomes = scenarioOutcomes([
    row("direct", "prompts-get-simple", "passed"),
    row("http", "prompts-get-simple", "failed"),
    row("stdio", "prompts-get-simple", "passed"),
    row("direct", "ping", "passed", "2025-11-25"),
    row("http", "ping", "passed", "2025-11-25"),
  ]);
  const comparison = compareOutcomes(outcomes, gaps);
  assert.equal(comparison.regressions.length, 0);
  assert.deepEqual(comparison.known.map((f) => `${f.target} ${f.detail}`), [
    "http prompts: fed-lists",
  ]);
  assert.deepEqual(comparison.closed.map((f) => `${f.target} ${f.scenario}`), [
    "stdio prompts-get-simple",
    "http ping",
  ]);
  assert.deepEqual(comparison.unused, []);
});

Deno.test("compareOutcomes() does not compare through the gateway what fails directly", () => {
  const outcomes = scenarioOutcomes([
    row("direct", "caching", "failed"),
    row("http", "caching", "failed"),
    row("client", "tools_call", "failed"),
  ]);
  const comparison = compareOutcomes(outcomes, [
    { scenario: "caching", targets: ["direct"], reason: "fixture lacks it" },
  ]);
  assert.deepEqual(comparison.known.map((f) => f.target), ["direct"]);
  assert.deepEqual(comparison.regressions.map((f) => `${f.target} ${f.scenario}`), [
    "client tools_call",
  ]);
});

Deno.test("compareOutcomes() names a gap that matches nothing that ran", () => {
  const stale: KnownGap = { scenario: "no-such-scenario", targets: ["http"], reason: "typo" };
  const comparison = compareOutcomes(scenarioOutcomes([row("direct", "ping", "passed")]), [stale]);
  assert.deepEqual(comparison.unused, [stale]);
});

Deno.test("compareOutcomes() compares the gateway without a baseline (a run narrowed to http)", () => {
  const outcomes = scenarioOutcomes([row("http", "tools-list", "failed")]);
  assert.equal(compareOutcomes(outcomes, []).regressions.length, 1);
  const failingDirectly = scenarioOutcomes([
    row("direct", "tools-list", "failed"),
    row("http", "tools-list", "failed"),
  ]);
  assert.equal(compareOutcomes(failingDirectly, []).regressions.length, 1);
});
