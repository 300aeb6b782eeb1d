/**
 * `upstreams:` in tool files: loaded into the snapshot with their `file:line`, problems pointing
 * at the offending key, and a name declared in two files reported naming both.
 */

import assert from "node:assert/strict";
import { loadRegistry } from "../../lib/registry/mod.ts";
import { createToolsDir, printed, yamlTools } from "../_support/registry_fixtures/tools_dir.ts";

Deno.test("loadRegistry() reads upstreams from a file that has no tools", async () => {
  await using dir = await createToolsDir({
    "a.yaml": yamlTools("probe_tool"),
    "b.yaml": "# upstreams only\nupstreams:\n  - name: gh\n    url: https://mcp.example.com/mcp\n",
  });
  const { snapshot, problems } = await loadRegistry(dir.dir);
  assert.deepEqual(problems, []);
  assert.deepEqual(snapshot.tools.map((tool) => tool.name), ["probe_tool"]);
  assert.deepEqual(snapshot.upstreams.map(({ spec, source }) => [spec.name, source]), [
    ["gh", { file: dir.path("b.yaml"), line: 3 }],
  ]);
});

Deno.test("loadRegistry() points upstream problems at their line and names both declarations", async () => {
  await using dir = await createToolsDir({
    "a.yaml": "upstreams:\n  - name: gh\n    url: https://a.example/mcp\n",
    "b.yaml": "upstreams:\n  - name: gh\n    url: https://b.example/mcp\n",
    "c.yaml": "upstreams:\n  - name: bad\n    url: https://c.example/mcp\n    timeout: soon\n",
  });
  const { snapshot, problems } = await loadRegistry(dir.dir);
  assert.deepEqual(printed(problems, dir.dir), [
    '<dir>/b.yaml:2: upstream "gh": duplicate name, first declared at <dir>/a.yaml:2',
    '<dir>/c.yaml:4: upstreams[0].timeout: timeout must be a duration such as "10s", at most 5m',
  ]);
  assert.deepEqual(snapshot.upstreams.map(({ spec }) => spec.transport), [
    { kind: "http", url: "https://a.example/mcp" },
  ]);
});
