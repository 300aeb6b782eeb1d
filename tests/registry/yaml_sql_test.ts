import assert from "node:assert/strict";
import { createSchemaCompiler } from "../../lib/registry/schema.ts";
import { parseToolYaml } from "../../lib/registry/yaml_loader.ts";
import { loadYaml } from "../_support/registry_fixtures/yaml.ts";
import { printed } from "../_support/registry_fixtures/tools_dir.ts";

const FIND = `tools:
  - name: crm_find
    description: Find a customer.
    input:
      type: object
      properties:
        email: { type: string }
    sql:
      database: crm
      query: "select id, name::text from customers where email = :email and plan = :plan"
      maxRows: 5
`;

Deno.test("a placeholder without a declared input is a load problem with file:line", () => {
  assert.deepEqual(loadYaml(FIND).problems, [
    't.yaml:10: tool "crm_find": placeholder ":plan" in sql.query is not a declared argument ' +
    "(declare it in input.properties)",
  ]);
});

Deno.test("a valid sql: entry loads into a sql backend with its placeholders in order", () => {
  const { tools, problems } = loadYaml(
    FIND.replace(
      "email: { type: string }",
      "email: { type: string }\n        plan: { type: string }",
    ),
  );
  assert.deepEqual(problems, []);
  assert.deepEqual(tools[0]?.backend, {
    kind: "sql",
    database: "crm",
    query: "select id, name::text from customers where email = :email and plan = :plan",
    text: ["select id, name::text from customers where email = ", " and plan = ", ""],
    params: ["email", "plan"],
    maxRows: 5,
    write: false,
    timeoutMs: 30_000,
  });
});

Deno.test("sql: keys are checked, each problem on its own line", () => {
  const text = `tools:
  - name: bad
    description: Broken.
    sql:
      database: CRM
      query: "select $1"
      maxRows: 0
      write: yes
      timeout: forever
      extra: 1
`;
  assert.deepEqual(loadYaml(text).problems, [
    't.yaml:5: tool "bad": sql.database must name a database under databases: in the gateway config',
    't.yaml:6: tool "bad": sql.query: positional parameter "$1" is not allowed: use :name placeholders',
    't.yaml:7: tool "bad": sql.maxRows must be a whole number from 1 to 10000',
    't.yaml:8: tool "bad": sql.write must be true or false',
    't.yaml:9: tool "bad": sql.timeout must be a duration such as "5s", at most 5m',
    't.yaml:10: tool "bad": unknown key "sql.extra"',
  ]);
});

Deno.test("a tool with both http: and sql: is a load problem", () => {
  const text = `tools:
  - name: both
    description: Two backends.
    http: { url: "https://example.com" }
    sql: { database: crm, query: "select 1" }
`;
  assert.deepEqual(loadYaml(text).problems, [
    't.yaml:5: tool "both": a tool has either http or sql, not both',
  ]);
});

Deno.test("a sql tool naming an unconfigured database is disabled with a note, not a problem", () => {
  const text = FIND.replace("and plan = :plan", "");
  const options = { getEnv: () => undefined, compile: createSchemaCompiler() };
  const off = parseToolYaml("t.yaml", text, { ...options, databases: new Set(["other"]) });
  assert.deepEqual(off.tools, []);
  assert.deepEqual(off.problems, []);
  assert.deepEqual(printed(off.disabled ?? []), [
    't.yaml:2: tool "crm_find" disabled: database "crm" is not configured ' +
    "(databases: in the gateway config)",
  ]);
  const on = parseToolYaml("t.yaml", text, { ...options, databases: new Set(["crm"]) });
  assert.deepEqual(on.tools.map((tool) => tool.name), ["crm_find"]);
  assert.equal(on.disabled, undefined);
});
