/**
 * `nexus tools new|list|test` as real subprocesses, and the "first tool in five minutes"
 * walk-through of the README: write a YAML tool for a local API, `nexus check`, `nexus tools
 * test`, then see it in a running gateway's tool list through hot reload.
 */

import assert from "node:assert/strict";
import { generateMasterKey } from "../../lib/credentials/mod.ts";
import { runNexus } from "../_support/cli.ts";
import type { Client } from "@modelcontextprotocol/client";
import { connect, createGatewayToolsDir, ERAS, startGateway } from "../_support/gateway.ts";
import { startUpstream } from "../_support/upstream_server.ts";

const TOKEN = "tok-tools-test-7731";

function envFor(toolsDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return { NEXUS_TOOLS_DIR: toolsDir, NEXUS_LOG_LEVEL: "warn", ...extra };
}

Deno.test("nexus tools new writes YAML and TypeScript tools that pass check and are listed", async () => {
  await using tools = await createGatewayToolsDir();
  const dataDir = await Deno.makeTempDir({ prefix: "nexus-e2e-tools-" });
  try {
    const env = envFor(tools.dir, { NEXUS_DATA_DIR: dataDir });
    for (const args of [["my_api"], ["my_count", "--ts"]]) {
      const created = await runNexus(["tools", "new", ...args], { env });
      assert.equal(created.code, 0, created.stderr);
    }
    const check = await runNexus(["check"], { env });
    assert.match(check.stdout, /^7 tool\(s\) valid, 0 problem\(s\)$/m, check.stdout);
    assert.equal(check.code, 0);
    const list = await runNexus(["tools", "list"], { env });
    assert.equal(list.code, 0, list.stderr);
    const row = (name: string) => list.stdout.split("\n").find((line) => line.startsWith(name));
    assert.match(row("my_api ") ?? "", /my_api\.yaml:11\s+http\s+-\s+served$/, list.stdout);
    assert.match(row("my_count ") ?? "", /my_count\.ts:8\s+ts\s+-\s+served$/, list.stdout);
    assert.match(
      row("crm_find_customer") ?? "",
      /examples_crm\.yaml:\d+\s+-\s+-\s+disabled: database "crm" is not configured/,
    );
    const counted = await runNexus(["tools", "test", "my_count", "--args", '{"text":"a b c"}'], {
      env,
    });
    assert.equal(counted.code, 0, counted.stderr);
    assert.deepEqual(JSON.parse(counted.stdout).structuredContent, { words: 3 });
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("nexus tools new refuses bad names and existing tools or files", async () => {
  await using tools = await createGatewayToolsDir({ "taken.yaml": "tools: []\n" });
  const env = envFor(tools.dir);
  const bad = await runNexus(["tools", "new", "has space"], { env });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /breaks the MCP tool name rules/);
  const hidden = await runNexus(["tools", "new", "_helper"], { env });
  assert.equal(hidden.code, 2);
  const existing = await runNexus(["tools", "new", "demo_echo"], { env });
  assert.equal(existing.code, 1);
  assert.match(existing.stderr, /already defined at .*examples\.yaml:6/);
  const file = await runNexus(["tools", "new", "taken"], { env });
  assert.equal(file.code, 1);
  assert.match(file.stderr, /taken\.yaml: file exists/);
  assert.equal(await Deno.readTextFile(tools.path("taken.yaml")), "tools: []\n");
});

Deno.test("nexus tools list prints a broken file's problem with file:line and exits 1", async () => {
  await using tools = await createGatewayToolsDir({
    "broken.yaml": "tools:\n  - name: e2e_broken\n    description: x\n    http: { url: not/abs }\n",
  });
  const list = await runNexus(["tools", "list"], { env: envFor(tools.dir) });
  assert.equal(list.code, 1);
  assert.match(
    list.stdout,
    /^e2e_broken\s+\S+broken\.yaml:4\s+-\s+-\s+problem: url must be absolute$/m,
  );
});

Deno.test("nexus tools test injects the credential, prints the request redacted, then the result", async () => {
  const upstream = startUpstream({
    routes: {
      "/api/items": (request) =>
        request.headers.get("authorization") === `Bearer ${TOKEN}`
          ? Response.json({ id: new URL(request.url).searchParams.get("id"), name: "widget" })
          : new Response("no", { status: 401 }),
    },
  });
  const dataDir = await Deno.makeTempDir({ prefix: "nexus-e2e-tools-" });
  try {
    await using tools = await createGatewayToolsDir({
      "items.yaml": `tools:
  - name: items_get
    description: Get one item.
    input: { type: object, properties: { id: { type: string } }, required: [id] }
    auth: items-api
    http: { url: "${upstream.url}/api/items", query: { id: "{id}" } }
`,
    });
    const env = envFor(tools.dir, {
      NEXUS_DATA_DIR: dataDir,
      NEXUS_MASTER_KEY: generateMasterKey(),
    });
    const set = await runNexus(["credentials", "set", "items-api", "--kind", "bearer"], {
      env,
      stdin: TOKEN,
    });
    assert.equal(set.code, 0, set.stderr);
    const run = await runNexus(["tools", "test", "items_get", "--args", '{"id":"42"}'], { env });
    assert.equal(run.code, 0, run.stderr);
    assert.ok(!run.stdout.includes(TOKEN) && !run.stderr.includes(TOKEN), "the token was printed");
    const lines = run.stdout.split("\n");
    assert.equal(lines[0], `> GET ${upstream.url}/api/items?id=42`);
    assert.ok(lines.includes("> authorization: [redacted]"), run.stdout);
    const status = lines.indexOf("< 200");
    assert.ok(status > 0, run.stdout);
    const result = JSON.parse(lines.slice(status + 1).join("\n"));
    assert.deepEqual(result.structuredContent, { id: "42", name: "widget" });

    const list = await runNexus(["tools", "list"], { env });
    assert.match(list.stdout, /^items_get\s+\S+items\.yaml:2\s+http\s+items-api\s+served$/m);
    const unknown = await runNexus(["tools", "test", "nope", "--args", "{}"], { env });
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /Unknown tool: "nope"/);
    const invalid = await runNexus(["tools", "test", "items_get", "--args", "{id:"], { env });
    assert.equal(invalid.code, 2);
    assert.match(invalid.stderr, /Invalid --args: not JSON/);
    assert.equal(upstream.hits("/api/items"), 1);
  } finally {
    await upstream.close();
    await Deno.remove(dataDir, { recursive: true });
  }
});

/** Polls `tools/list` until it holds `name` (hot reload), for up to 10 s. */
async function listsTool(client: Client, name: string): Promise<boolean> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const { tools } = await client.listTools();
    if (tools.some((tool) => tool.name === name)) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

Deno.test("first tool in five minutes: write, check, test, then served through hot reload", async () => {
  const started = performance.now();
  const upstream = startUpstream({
    routes: {
      "/weather": (request) =>
        Response.json({ city: new URL(request.url).searchParams.get("city"), tempC: 21 }),
    },
  });
  try {
    await using tools = await createGatewayToolsDir();
    const env = envFor(tools.dir, { NEXUS_TOOL_WEATHER_URL: upstream.url });
    await using gateway = await startGateway({
      toolsDir: tools.dir,
      env: { NEXUS_TOOL_WEATHER_URL: upstream.url },
    });
    await using client = await connect(ERAS[0], gateway.mcpUrl);
    await tools.write(
      "weather.yaml",
      `baseUrl: \${NEXUS_TOOL_WEATHER_URL}
tools:
  - name: weather_now
    description: Current temperature in a city.
    input: { type: object, properties: { city: { type: string } }, required: [city] }
    annotations: { readOnlyHint: true }
    http: { url: /weather, query: { city: "{city}" } }
`,
    );
    const check = await runNexus(["check"], { env });
    assert.equal(check.code, 0, check.stdout);
    const run = await runNexus(["tools", "test", "weather_now", "--args", '{"city":"Oslo"}'], {
      env,
    });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^> GET http:\/\/127\.0\.0\.1:\d+\/weather\?city=Oslo$/m);
    assert.match(run.stdout, /"tempC": 21/);
    assert.ok(await listsTool(client, "weather_now"), "the running gateway never listed the tool");
    // Why printed, not asserted: timing targets are reported, never asserted in a test (a loaded
    // CI host must not fail a correct walk-through); the README quotes what this prints.
    const seconds = (performance.now() - started) / 1000;
    const line = `first-tool walk-through: ${seconds.toFixed(1)} s (target under 10 s)\n`;
    await Deno.stdout.write(new TextEncoder().encode(line));
  } finally {
    await upstream.close();
  }
});
