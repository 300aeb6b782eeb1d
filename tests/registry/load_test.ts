import assert from "node:assert/strict";
import { GatewayError } from "../../lib/errors.ts";
import { createLogger } from "../../lib/log.ts";
import { formatProblem, loadRegistry } from "../../lib/registry/load.ts";
import {
  createToolsDir,
  printed,
  tsTools,
  yamlTools,
} from "../_support/registry_fixtures/tools_dir.ts";

const EXAMPLES_DIR = new URL("../../tools", import.meta.url).pathname;

Deno.test("loadRegistry() names a missing tools directory with INVALID_CONFIG", async () => {
  await assert.rejects(
    () => loadRegistry("./no_such_tools_dir"),
    (error) =>
      error instanceof GatewayError && error.code === "INVALID_CONFIG" &&
      error.message === "Cannot load tools: directory not found: ./no_such_tools_dir",
  );
});

Deno.test("loadRegistry() refuses a path that is a file, not a directory", async () => {
  await using dir = await createToolsDir({ "a.yaml": yamlTools("a") });
  await assert.rejects(
    () => loadRegistry(dir.path("a.yaml")),
    (error) => error instanceof GatewayError && error.code === "INVALID_CONFIG",
  );
});

Deno.test("loadRegistry() loads .yaml, .yml and .ts and skips _, dot, test and other files", async () => {
  await using dir = await createToolsDir({
    "a.yaml": yamlTools("from_yaml"),
    "b.yml": yamlTools("from_yml"),
    "c.ts": tsTools("from_ts"),
    "_helper.yaml": yamlTools("underscore"),
    ".hidden.yaml": yamlTools("hidden"),
    "c_test.ts": tsTools("test_file"),
    "notes.txt": "not a tool",
    "broken.json": "{",
  });
  await Deno.mkdir(dir.path("sub"));
  await Deno.writeTextFile(dir.path("sub/nested.yaml"), yamlTools("nested"));
  const { snapshot, problems } = await loadRegistry(dir.dir);
  assert.deepEqual(problems, []);
  assert.deepEqual(snapshot.tools.map((tool) => tool.name), ["from_ts", "from_yaml", "from_yml"]);
  assert.deepEqual([...snapshot.egressOrigins], ["https://api.example.com"]);
  assert.equal(snapshot.version, 1);
});

Deno.test("loadRegistry() reports a name defined in two files at the second, citing the first", async () => {
  await using dir = await createToolsDir({
    "a.yaml": yamlTools("shared", "only_a"),
    "b.yaml": yamlTools("only_b", "shared"),
  });
  const { snapshot, problems } = await loadRegistry(dir.dir);
  assert.deepEqual(printed(problems, dir.dir), [
    `<dir>/b.yaml:7: tool "shared": duplicate name, first defined at <dir>/a.yaml:2`,
  ]);
  assert.deepEqual(snapshot.tools.map((tool) => tool.name), ["only_a", "shared"]);
});

Deno.test("loadRegistry() serves good files next to a broken one and logs each problem", async () => {
  await using dir = await createToolsDir({
    "good.yaml": yamlTools("good"),
    "bad.yaml": "tools:\n  - name: bad\n    description: x\n    http: { url: relative/path }\n",
  });
  const lines: string[] = [];
  const logger = createLogger({ sink: (line) => lines.push(line) });
  const { snapshot, problems } = await loadRegistry(dir.dir, { logger });
  assert.deepEqual(snapshot.tools.map((tool) => tool.name), ["good"]);
  const expected = `${dir.dir}/bad.yaml:4: tool "bad": url must be absolute`;
  assert.deepEqual(problems.map(formatProblem), [expected]);
  const warnings = lines.map((line) => JSON.parse(line)).filter((r) => r.level === "warn");
  assert.deepEqual(warnings.map((r) => r.msg), [`Tool problem: ${expected}`]);
});

Deno.test("loadRegistry() with strict throws INVALID_TOOL listing every problem", async () => {
  await using dir = await createToolsDir({ "bad.yaml": "tools:\n  - name: bad\n" });
  await assert.rejects(
    () => loadRegistry(dir.dir, { strict: true }),
    (error) =>
      error instanceof GatewayError && error.code === "INVALID_TOOL" &&
      error.message.includes(
        `${dir.dir}/bad.yaml:2: tool "bad": missing required key "description"`,
      ),
  );
});

Deno.test("the example tools in tools/ load without problems and reach the demo API", async () => {
  // As the gateway loads them with no databases configured and an empty vault: the CRM examples
  // and the integrations (tools/jira.yaml, …) are disabled.
  const { snapshot, problems, disabled } = await loadRegistry(EXAMPLES_DIR, {
    databases: new Set(),
    credentials: () => Promise.resolve({ credentials: new Map() }),
  });
  assert.deepEqual(problems.map(formatProblem), []);
  const disabledNames = disabled.map((note) => note.message.replace(/ disabled: .*/, ""));
  for (const name of ["crm_find_customer", "crm_search_customers", "crm_set_customer_plan"]) {
    assert.ok(disabledNames.includes(`tool "${name}"`), name);
  }
  assert.ok(disabledNames.includes('tool "jira_get_issue"'));
  assert.deepEqual(snapshot.tools.map((tool) => tool.name), [
    "demo_create_ticket",
    "demo_echo",
    "demo_time",
    "text_stats",
    "uuid_generate",
  ]);
  assert.deepEqual([...snapshot.egressOrigins], ["http://127.0.0.1:8080"]);
  const echo = snapshot.byName.get("demo_echo")?.backend;
  assert.equal(echo?.kind === "http" && echo.url, "http://127.0.0.1:8080/demo/echo/{message}");
});

Deno.test("the example HTTP tools follow NEXUS_DEMO_URL from the env reader", async () => {
  const env = new Map([["NEXUS_DEMO_URL", "http://127.0.0.1:9999/demo"]]);
  const { snapshot } = await loadRegistry(EXAMPLES_DIR, {
    getEnv: (name) => env.get(name),
    credentials: () => Promise.resolve({ credentials: new Map() }),
  });
  assert.deepEqual([...snapshot.egressOrigins], ["http://127.0.0.1:9999"]);
});

Deno.test("the example TS tools compute their results offline", async () => {
  const { snapshot } = await loadRegistry(EXAMPLES_DIR);
  const ctx = { signal: new AbortController().signal };
  const stats = snapshot.byName.get("text_stats");
  assert.equal(stats?.backend.kind, "ts");
  if (stats?.backend.kind !== "ts") return;
  const result = await stats.backend.handler({ text: "one two\nthree\n" }, ctx);
  assert.deepEqual(result, { characters: 14, words: 3, lines: 2 });
  assert.deepEqual(stats.checkOutput?.(result), []);
  const uuids = snapshot.byName.get("uuid_generate");
  if (uuids?.backend.kind !== "ts") throw new Error("uuid_generate is not a TS tool");
  const generated = await uuids.backend.handler({ count: 3 }, ctx) as { uuids: string[] };
  assert.equal(new Set(generated.uuids).size, 3);
  assert.deepEqual(uuids.checkOutput?.(generated), []);
});
