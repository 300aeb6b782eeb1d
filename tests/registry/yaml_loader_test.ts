import assert from "node:assert/strict";
import { createSchemaCompiler } from "../../lib/registry/schema.ts";
import { parseToolYaml } from "../../lib/registry/yaml_loader.ts";
import { loadYaml } from "../_support/registry_fixtures/yaml.ts";

const GOOD = `tools:
  - name: jira_get_issue
    title: Get Jira issue
    description: Fetch one Jira issue by key.
    input:
      type: object
      properties:
        key: { type: string, pattern: "^[A-Z][A-Z0-9]+-[0-9]+$" }
      required: [key]
    annotations: { readOnlyHint: true }
    auth: jira
    http:
      url: https://example.atlassian.net/rest/api/3/issue/{key}
      query: { fields: "summary,status" }
    cache: { ttl: 30s }
    rateLimit: { perClient: 60/min }
  - name: ping
    description: Ping.
    http:
      method: HEAD
      url: https://example.com/ping
`;

Deno.test("parseToolYaml() loads a valid file with defaults filled in and source lines", () => {
  const { tools, problems } = loadYaml(GOOD);
  assert.deepEqual(problems, []);
  assert.deepEqual(tools.map((tool) => [tool.name, tool.source.line]), [
    ["jira_get_issue", 2],
    ["ping", 17],
  ]);
  const [jira, ping] = tools;
  assert.deepEqual(jira?.backend, {
    kind: "http",
    method: "GET",
    url: "https://example.atlassian.net/rest/api/3/issue/{key}",
    query: { fields: "summary,status" },
    headers: {},
    timeoutMs: 30_000,
    response: { maxBytes: 100_000 },
  });
  assert.equal(jira?.auth, "jira");
  assert.deepEqual(jira?.cache, { ttlMs: 30_000 });
  assert.deepEqual(jira?.rateLimit, { perClient: "60/min" });
  assert.deepEqual(jira?.checkInput({ key: "nope" }), [
    'argument "key": must match pattern "^[A-Z][A-Z0-9]+-[0-9]+$"',
  ]);
  assert.deepEqual(ping?.inputSchema, { type: "object", properties: {} });
});

Deno.test("parseToolYaml() reports a YAML syntax error with its line", () => {
  const text = `tools:\n  - name: a\n    description: [unclosed\n    http: {}\n`;
  const { tools, problems } = loadYaml(text);
  assert.equal(tools.length, 0);
  assert.equal(problems.length >= 1, true);
  assert.match(problems[0] ?? "", /^t\.yaml:[34]: invalid YAML: /);
});

Deno.test("parseToolYaml() reports a duplicated mapping key with its line", () => {
  const text = `tools:\n  - name: a\n    description: x\n    description: y\n`;
  const { problems } = loadYaml(text);
  assert.equal(problems.length, 1);
  assert.match(problems[0] ?? "", /^t\.yaml:4: invalid YAML: Map keys must be unique/);
});

Deno.test("parseToolYaml() requires a top-level mapping with a tools list", () => {
  assert.deepEqual(loadYaml("- a\n- b\n").problems, [
    `t.yaml:1: expected a mapping with a "tools" list`,
  ]);
  assert.deepEqual(loadYaml("").problems, [`t.yaml:1: expected a mapping with a "tools" list`]);
  assert.deepEqual(loadYaml("baseUrl: https://x.com\n").problems, [
    `t.yaml:1: missing required key "tools"`,
  ]);
  assert.deepEqual(loadYaml("\ntools: yes\n").problems, ["t.yaml:2: tools must be a list"]);
  assert.deepEqual(loadYaml("tools: []\n\nextra: 1\n").problems, [
    `t.yaml:3: unknown key "extra"`,
  ]);
  assert.deepEqual(loadYaml("tools:\n  - just text\n").problems, [
    "t.yaml:2: tools[0] must be a mapping",
  ]);
});

Deno.test("parseToolYaml() reports a duplicate name at the second tool with the first's line", () => {
  const text = GOOD + `  - name: ping\n    description: Again.\n    http: { url: https://x.com }\n`;
  const { tools, problems } = loadYaml(text);
  assert.deepEqual(problems, [
    `t.yaml:22: tool "ping": duplicate name, first defined at t.yaml:17`,
  ]);
  assert.equal(tools.length, 0);
});

Deno.test("parseToolYaml() loads nothing from a file with one bad tool among good ones", () => {
  const text = GOOD + `  - name: broken\n    http: { url: https://x.com }\n`;
  const { tools, problems } = loadYaml(text);
  assert.deepEqual(problems, [`t.yaml:22: tool "broken": missing required key "description"`]);
  assert.deepEqual(tools, []);
});

const WITH_BASE = `baseUrl: \${DEMO_URL:-http://127.0.0.1:8080/demo/}
tools:
  - name: echo
    description: Echo.
    input: { type: object, properties: { message: { type: string } } }
    http: { url: "/echo/{message}" }
`;

Deno.test("parseToolYaml() resolves a relative url against baseUrl with its env default", () => {
  const { tools, problems } = loadYaml(WITH_BASE);
  assert.deepEqual(problems, []);
  const backend = tools[0]?.backend;
  assert.equal(
    backend?.kind === "http" && backend.url,
    "http://127.0.0.1:8080/demo/echo/{message}",
  );
});

Deno.test("parseToolYaml() takes baseUrl from the env reader when the variable is set", () => {
  const { tools } = loadYaml(WITH_BASE, { DEMO_URL: "https://demo.internal:9443/api" });
  const backend = tools[0]?.backend;
  assert.equal(
    backend?.kind === "http" && backend.url,
    "https://demo.internal:9443/api/echo/{message}",
  );
});

Deno.test("parseToolYaml() reports an unset baseUrl variable without a default", () => {
  const text = WITH_BASE.replace(":-http://127.0.0.1:8080/demo/", "");
  assert.deepEqual(loadYaml(text).problems, [
    "t.yaml:1: baseUrl: environment variable DEMO_URL is not set",
  ]);
});

Deno.test("parseToolYaml() refuses a baseUrl with a query or a non-http scheme", () => {
  // Why the template in the message: a substituted value may be a secret (changed on purpose in
  // the hardening issue; the message used to quote the substituted URL).
  const template = "${DEMO_URL:-http://127.0.0.1:8080/demo/}";
  assert.deepEqual(loadYaml(WITH_BASE, { DEMO_URL: "https://x.com/a?b=1" }).problems, [
    `t.yaml:1: baseUrl must not have a query or fragment: ${template}`,
  ]);
  assert.deepEqual(loadYaml(WITH_BASE, { DEMO_URL: "ftp://x.com" }).problems, [
    `t.yaml:1: baseUrl must use http or https: ${template}`,
  ]);
});

Deno.test("parseToolYaml() never prints a substituted value in a baseUrl problem", () => {
  const secret = "s3cr3t-master-key-value";
  const { problems } = loadYaml(WITH_BASE, { DEMO_URL: `https://x.com/${secret}?q=1` });
  assert.equal(problems.length, 1);
  assert.ok(!problems[0]?.includes(secret), problems[0]);
});

Deno.test("parseToolYaml() refuses a variable the gateway does not let tool files read", () => {
  const text = WITH_BASE.replace("DEMO_URL", "NEXUS_MASTER_KEY");
  const result = parseToolYaml("t.yaml", text, {
    getEnv: () => "https://leaked.example/key-material",
    envAllowed: (name) => name.startsWith("NEXUS_TOOL_"),
    compile: createSchemaCompiler(),
  });
  assert.deepEqual(result.tools, []);
  const messages = result.problems.map((problem) => problem.message);
  assert.deepEqual(messages, [
    "baseUrl: environment variable NEXUS_MASTER_KEY is not readable by tool files: give it the " +
    "tool prefix (toolEnvPrefix, default NEXUS_TOOL_) or list it in toolEnv",
  ]);
});

Deno.test("parseToolYaml() refuses a url starting with / when the file has no baseUrl", () => {
  const text = WITH_BASE.split("\n").slice(1).join("\n");
  assert.deepEqual(loadYaml(text).problems, [
    `t.yaml:5: tool "echo": url must be absolute: a url starting with "/" needs a baseUrl in the file`,
  ]);
});
