import assert from "node:assert/strict";
import { createToolsDir, loadToolFile, printed } from "../_support/registry_fixtures/tools_dir.ts";
import { loadYaml, oneTool } from "../_support/registry_fixtures/yaml.ts";

const HTTP = `    http: { url: "https://api.example.com/x" }\n`;

Deno.test("loadToolFile() reports an unknown key with its line", async () => {
  await using dir = await createToolsDir({ "t.yaml": oneTool(`${HTTP}    descripton: typo\n`) });
  const result = await loadToolFile(dir.path("t.yaml"));
  assert.deepEqual(printed(result.problems, dir.dir), [
    `<dir>/t.yaml:5: tool "t1": unknown key "descripton"`,
  ]);
  assert.deepEqual(result.tools, []);
});

Deno.test("parseToolYaml() reports unknown keys nested in http, response and annotations", () => {
  const text = oneTool(`    annotations:
      readOnly: true
    http:
      url: https://api.example.com/x
      retries: 3
      response:
        pick: [a]
`);
  assert.deepEqual(loadYaml(text).problems, [
    `t.yaml:5: tool "t1": unknown key "annotations.readOnly"`,
    `t.yaml:8: tool "t1": unknown key "http.retries"`,
    `t.yaml:10: tool "t1": unknown key "http.response.pick"`,
  ]);
});

Deno.test("parseToolYaml() reports each missing required key at the tool's line", () => {
  const text = `tools:\n  - title: Nameless\n  - name: t2\n`;
  assert.deepEqual(loadYaml(text).problems, [
    `t.yaml:2: tools[0]: missing required key "name"`,
    `t.yaml:2: tools[0]: missing required key "description"`,
    `t.yaml:2: tools[0]: missing required key "http"`,
    `t.yaml:3: tool "t2": missing required key "description"`,
    `t.yaml:3: tool "t2": missing required key "http"`,
  ]);
});

Deno.test("parseToolYaml() reports a name outside the MCP tool name rules", () => {
  const text = `tools:\n  - name: get issue!\n    description: x\n${HTTP}`;
  assert.deepEqual(loadYaml(text).problems, [
    `t.yaml:2: tools[0]: name "get issue!" breaks the MCP tool name rules: ` +
    `1-128 letters, digits, "_", "-" or "."`,
  ]);
  const long = `tools:\n  - name: ${"a".repeat(129)}\n    description: x\n${HTTP}`;
  assert.equal(loadYaml(long).problems.length, 1);
  const ok = `tools:\n  - name: ${"a".repeat(128)}\n    description: x\n${HTTP}`;
  assert.deepEqual(loadYaml(ok).problems, []);
});

Deno.test("parseToolYaml() reports wrong types with the key's line", () => {
  const text =
    `tools:\n  - name: t1\n    description: [a, b]\n    title: 5\n    auth: Jira Prod\n${HTTP}`;
  assert.deepEqual(loadYaml(text).problems, [
    `t.yaml:3: tool "t1": description must be a string`,
    `t.yaml:4: tool "t1": title must be a string`,
    `t.yaml:5: tool "t1": auth must be a credential name: 1-64 of a-z 0-9 _ -, starting with a letter or digit`,
  ]);
});

Deno.test("parseToolYaml() takes exactly the credential names the vault accepts", () => {
  // Why: the two rules used to differ; a tool could name a credential that could never be set.
  for (const name of ["_jira", "-x", "a".repeat(65)]) {
    const text = `tools:\n  - name: t1\n    description: d\n    auth: "${name}"\n${HTTP}`;
    assert.equal(loadYaml(text).problems.length, 1, name);
  }
  const ok = `tools:\n  - name: t1\n    description: d\n    auth: jira_prod-2\n${HTTP}`;
  assert.deepEqual(loadYaml(ok).problems, []);
});

Deno.test("parseToolYaml() reports an invalid input schema at the offending keyword", () => {
  const text = oneTool(`    input:
      type: object
      properties:
        key: { type: strin }
${HTTP}`);
  assert.deepEqual(loadYaml(text).problems, [
    `t.yaml:7: tool "t1": invalid input schema at properties.key.type: must be equal to one ` +
    `of the allowed values (array, boolean, integer, null, number, object, string)`,
  ]);
});

Deno.test("parseToolYaml() reports an unknown schema keyword and a non-object output schema", () => {
  const text = oneTool(`    input:
      type: object
      properties:
        key: { type: string, minLenght: 3 }
    output:
      type: array
${HTTP}`);
  const { problems } = loadYaml(text);
  assert.equal(problems.length, 2);
  assert.match(problems[0] ?? "", /^t\.yaml:4: tool "t1": invalid input schema: .*"minLenght"/);
  assert.equal(problems[1], `t.yaml:9: tool "t1": output schema must have type: object`);
});

Deno.test("parseToolYaml() refuses a cache on a tool that is not read-only", () => {
  const text = oneTool(`${HTTP}    cache: { ttl: 30s }\n`);
  assert.deepEqual(loadYaml(text).problems, [
    `t.yaml:5: tool "t1": cache is only allowed when annotations.readOnlyHint is true`,
  ]);
  const ok = oneTool(`${HTTP}    annotations: { readOnlyHint: true }\n    cache: { ttl: 30s }\n`);
  assert.deepEqual(loadYaml(ok).problems, []);
});

Deno.test("parseToolYaml() checks cache ttl, rate formats, scopes and annotation types", () => {
  const text = oneTool(`${HTTP}    annotations:
      readOnlyHint: "yes"
    cache:
      ttl: soon
    rateLimit:
      perClient: 60/minute
      perPlanet: 1/sec
      perSession: 5/min
`);
  assert.deepEqual(loadYaml(text).problems, [
    `t.yaml:6: tool "t1": annotations.readOnlyHint must be true or false`,
    `t.yaml:7: tool "t1": cache is only allowed when annotations.readOnlyHint is true`,
    `t.yaml:8: tool "t1": cache.ttl must be a duration such as "30s"`,
    `t.yaml:10: tool "t1": rateLimit.perClient must be a rate such as "60/min" (per sec, min, hour or day)`,
    `t.yaml:11: tool "t1": unknown key "rateLimit.perPlanet": scopes are perClient, ` +
    `perTool, perCredential, perHost, global`,
    `t.yaml:12: tool "t1": rateLimit.perSession is no longer supported: HTTP serving is ` +
    `stateless; use perClient`,
  ]);
});
