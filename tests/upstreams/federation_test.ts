/**
 * Federation rules as pure functions: globs, final names, the MCP name rule, and merging with
 * file tools where every clash names both sources.
 */

import assert from "node:assert/strict";
import type { ToolDefinition } from "../../lib/registry/mod.ts";
import { readUpstreamSpecs } from "../../lib/upstream_spec/mod.ts";
import {
  federatedName,
  federateTools,
  matchesGlob,
  mergeFederated,
  type UpstreamEntry,
} from "../../lib/upstreams/mod.ts";

function entry(value: Record<string, unknown>): UpstreamEntry {
  const { specs, problems } = readUpstreamSpecs([{ url: "https://x.example/mcp", ...value }]);
  assert.deepEqual(problems, []);
  return { spec: specs[0]!, source: { file: "nexus.yaml", line: 1 } };
}

const CALL = { client: () => Promise.reject(new Error("not called")) };
const TOOL = { inputSchema: { type: "object" }, description: "d" };

Deno.test("matchesGlob() treats * and ? as wildcards and everything else literally", () => {
  assert.equal(matchesGlob("get_*", "get_issue"), true);
  assert.equal(matchesGlob("get_?", "get_a"), true);
  assert.equal(matchesGlob("a.b", "axb"), false);
  assert.equal(matchesGlob("*", "anything"), true);
});

Deno.test("federatedName() renames first, then puts the prefix and separator in front", () => {
  const spec = entry({ name: "gh", separator: ".", tools: { rename: { search: "find" } } }).spec;
  assert.equal(federatedName(spec, "search"), "gh.find");
  assert.equal(federatedName(entry({ name: "gh", prefix: "" }).spec, "search"), "search");
});

Deno.test("federateTools() leaves out a tool whose final name breaks the MCP rules", () => {
  const { tools, problems } = federateTools(entry({ name: "gh" }), [
    { name: "ok", ...TOOL },
    { name: "has space", ...TOOL },
    { name: "x".repeat(126), ...TOOL },
  ], CALL);
  assert.deepEqual(tools.map((tool) => tool.name), ["gh_ok"]);
  assert.equal(problems.length, 2);
  assert.match(problems[0]!, /^upstream "gh" tool "has space": name "gh_has space" breaks/);
});

Deno.test("mergeFederated() keeps file tools and the first upstream, naming both sources", () => {
  const file = { name: "a_x", source: { file: "tools/a.yaml", line: 3 } } as ToolDefinition;
  const one = federateTools(
    entry({ name: "a" }),
    [{ name: "x", ...TOOL }, { name: "y", ...TOOL }],
    CALL,
  );
  const two = federateTools(entry({ name: "b", prefix: "a" }), [{ name: "y", ...TOOL }], CALL);
  const merged = mergeFederated([file], [
    { upstream: "a", tools: one.tools },
    { upstream: "b", tools: two.tools },
  ]);
  assert.deepEqual(merged.tools.map((tool) => [tool.name, tool.backend?.kind]), [
    ["a_x", undefined],
    ["a_y", "mcp"],
  ]);
  assert.deepEqual(merged.problems, [
    'tool "a_x" of upstream "a" clashes with the same name from tool file tools/a.yaml:3',
    'tool "a_y" of upstream "b" clashes with the same name from upstream "a"',
  ]);
});
