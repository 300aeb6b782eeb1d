/**
 * `checkUpstreams()`: prompt renames are checked like tool renames, without connecting.
 */

import assert from "node:assert/strict";
import { readUpstreamSpecs } from "../../lib/upstream_spec/mod.ts";
import { checkUpstreams, type UpstreamEntry } from "../../lib/upstreams/mod.ts";

function entries(values: Array<Record<string, unknown>>): UpstreamEntry[] {
  const { specs, problems } = readUpstreamSpecs(values);
  assert.deepEqual(problems, []);
  return specs.map((spec, index) => ({ spec, source: { file: "nexus.yaml", line: index + 1 } }));
}

Deno.test("checkUpstreams() reports a prompt rename clash naming both upstreams", () => {
  const { problems } = checkUpstreams(
    entries([
      { name: "a", url: "http://127.0.0.1:1/mcp", prefix: "", prompts: { rename: { x: "p" } } },
      { name: "b", url: "http://127.0.0.1:2/mcp", prefix: "", prompts: { rename: { y: "p" } } },
      { name: "c", url: "http://127.0.0.1:3/mcp", prompts: { rename: { z: "q" } } },
    ]),
    [],
  );
  assert.deepEqual(problems, [
    'upstream "b" (nexus.yaml:2) renames prompt "y" to "p", which clashes with upstream "a" ' +
    "(nexus.yaml:1)",
  ]);
});
