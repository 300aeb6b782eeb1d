import assert from "node:assert/strict";
import { gapsInScope, parseRunFilter, wantsScenario } from "../../scripts/conformance_filter.ts";
import type { KnownGap } from "../../scripts/conformance_compare.ts";

Deno.test("parseRunFilter() without options runs everything and writes the default markdown", () => {
  const filter = parseRunFilter([], "/tmp/out.md");
  assert.equal(filter.narrowed, false);
  assert.equal(filter.scenarios, undefined);
  assert.deepEqual([...filter.targets], ["shipped", "direct", "http", "stdio", "client"]);
  assert.deepEqual(filter.specVersions, ["2025-11-25", "2026-07-28"]);
  assert.equal(filter.markdown, "/tmp/out.md");
  assert.equal(wantsScenario(filter, "ping"), true);
});

Deno.test("parseRunFilter() narrows to repeated scenarios, targets and versions", () => {
  const filter = parseRunFilter(
    [
      "--scenario",
      "ping",
      "--scenario",
      "tools-list",
      "--target",
      "http",
      "--spec-version",
      "2026-07-28",
    ],
    "/tmp/out.md",
  );
  assert.equal(filter.narrowed, true);
  assert.deepEqual([...filter.scenarios ?? []], ["ping", "tools-list"]);
  assert.deepEqual([...filter.targets], ["http"]);
  assert.deepEqual(filter.specVersions, ["2026-07-28"]);
  assert.equal(filter.markdown, undefined, "a narrowed run leaves the README tables alone");
  assert.equal(wantsScenario(filter, "caching"), false);
});

Deno.test("parseRunFilter() rejects an unknown target, version or option with the usage", () => {
  assert.throws(
    () => parseRunFilter(["--target", "proxy"], ""),
    /Cannot parse arguments: unknown target "proxy"\nUsage/,
  );
  assert.throws(
    () => parseRunFilter(["--spec-version", "2024-11-05"], ""),
    /unknown spec version "2024-11-05"/,
  );
  assert.throws(() => parseRunFilter(["--verbose"], ""), /Cannot parse arguments: .*verbose/);
});

Deno.test("gapsInScope() keeps the gaps a narrowed run can judge", () => {
  const gaps: KnownGap[] = [
    { scenario: "ping", targets: ["http", "stdio"], reason: "a" },
    { scenario: "ping", targets: ["client"], reason: "b" },
    { scenario: "caching", targets: ["http"], reason: "c" },
    { scenario: "ping", targets: ["http"], specVersions: ["2025-11-25"], reason: "d" },
  ];
  const filter = parseRunFilter(
    ["--scenario", "ping", "--target", "http", "--spec-version", "2026-07-28"],
    "",
  );
  assert.deepEqual(gapsInScope(filter, gaps).map((gap) => gap.reason), ["a"]);
  assert.equal(gapsInScope(parseRunFilter([], ""), gaps).length, 4);
});
