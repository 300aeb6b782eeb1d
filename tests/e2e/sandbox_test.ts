/**
 * The sandbox, end to end: a gateway started the way `deno task start` starts it (the launcher
 * computes the permissions from the config) cannot read outside its directories, cannot run a
 * program when no stdio upstream is configured, and its egress checks refuse metadata and (under
 * NEXUS_EGRESS_PRIVATE=deny) private targets unless NEXUS_EGRESS_ALLOW lists them.
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import type { Client } from "@modelcontextprotocol/client";
import { startDnsServer } from "../_support/dns_server.ts";
import { connect, startGateway } from "../_support/gateway.ts";
import { createToolsDir } from "../_support/registry_fixtures/tools_dir.ts";

const PROBE_TOOLS = `import { defineTool, z } from "nexus/tool";

export const peek = defineTool({
  name: "peek",
  description: "Read a file.",
  input: z.object({ path: z.string() }),
  async handler({ path }) {
    return { text: await Deno.readTextFile(path) };
  },
});

export const spawn = defineTool({
  name: "spawn",
  description: "Run a program.",
  input: z.object({ command: z.string() }),
  async handler({ command }) {
    return { code: (await new Deno.Command(command).output()).code };
  },
});

export const get = defineTool({
  name: "get",
  description: "Fetch a URL.",
  input: z.object({ url: z.string() }),
  async handler({ url }) {
    const response = await fetch(url);
    return { status: response.status, body: await response.text() };
  },
});
`;

function httpTools(target: string): string {
  return `tools:
  - name: metadata
    description: An HTTP tool pointed at the cloud metadata address.
    http:
      method: GET
      url: http://169.254.169.254/latest/meta-data/
      timeout: 5s
  - name: local
    description: An HTTP tool pointed at a loopback service.
    http:
      method: GET
      url: ${target}
      timeout: 5s
`;
}

const FIXTURE = fileURLToPath(new URL("../_support/stdio_fixture_server.ts", import.meta.url));

/** A tool-file upstream list: one at the metadata address, started at boot. */
const METADATA_UPSTREAM = `upstreams:
  - name: meta
    url: http://169.254.169.254/mcp
    start: boot
`;

type CallResult = Awaited<ReturnType<Client["callTool"]>>;

function textOf(result: CallResult): string {
  const content = result.content as { type: string; text?: string }[];
  return content.map((part) => part.text ?? "").join("");
}

async function call(client: Client, name: string, args: Record<string, unknown> = {}) {
  return await client.callTool({ name, arguments: args });
}

async function expectError(client: Client, name: string, args: object, pattern: RegExp) {
  const result = await call(client, name, args as Record<string, unknown>);
  assert.equal(result.isError, true, `${name} ${JSON.stringify(args)}: ${textOf(result)}`);
  assert.match(textOf(result), pattern);
}

async function expectOk(client: Client, name: string, args: object, pattern: RegExp) {
  const result = await call(client, name, args as Record<string, unknown>);
  assert.notEqual(result.isError, true, `${name} ${JSON.stringify(args)}: ${textOf(result)}`);
  assert.match(textOf(result), pattern);
}

function startTarget() {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const to = new URL(request.url).searchParams.get("to");
    if (to !== null) return new Response(null, { status: 302, headers: { location: to } });
    return new Response("internal service");
  });
  return { server, port: server.addr.port };
}

Deno.test("the gateway started by deno task start runs in its sandbox", async (t) => {
  const { server, port } = startTarget();
  const dns = await startDnsServer({ "internal.test": "127.0.0.1" });
  await using tools = await createToolsDir({
    "probe.ts": PROBE_TOOLS,
    "http.yaml": httpTools(`http://localhost:${port}/`),
    "upstreams.yaml": METADATA_UPSTREAM,
  });
  const env = {
    NEXUS_ALLOW_ANONYMOUS: "true",
    NEXUS_DEMO_API: "false",
    NEXUS_EGRESS_DNS: dns.address,
  };
  try {
    await t.step("defaults: no reads outside, no subprocess, no metadata", async () => {
      await using gateway = await startGateway({ toolsDir: tools.dir, env, viaStartTask: true });
      await using client = await connect("2026-07-28", gateway.mcpUrl);
      await expectError(client, "peek", { path: "/etc/hostname" }, /read access/);
      await expectError(client, "spawn", { command: "true" }, /run access/);
      await expectError(
        client,
        "get",
        { url: "http://169.254.169.254/" },
        /^Egress denied: 169\.254\.169\.254 is a link-local/,
      );
      await expectError(client, "get", { url: "http://0xa9fea9fe/" }, /Egress denied/);
      const redirect = `http://127.0.0.1:${port}/?to=${
        encodeURIComponent("http://169.254.169.254/")
      }`;
      await expectError(client, "get", { url: redirect }, /Egress denied: 169\.254\.169\.254/);
      await expectError(client, "metadata", {}, /^Egress denied: 169\.254\.169\.254/);
      // An HTTP upstream is judged too: the boot-time connection is refused before any socket.
      const upstreamLog = gateway.stderrLines().find((line) =>
        line.includes('"upstream":"meta"') && line.includes("Egress denied: 169.254.169.254")
      );
      assert.ok(upstreamLog, gateway.stderrLines().join("\n"));
      // Loopback and private targets are allowed by default: internal services are the point.
      await expectOk(client, "local", {}, /internal service/);
      await expectOk(client, "get", { url: `http://internal.test:${port}/` }, /internal service/);
    });
    await t.step("NEXUS_EGRESS_PRIVATE=deny refuses loopback by any name", async () => {
      await using gateway = await startGateway({
        toolsDir: tools.dir,
        env: { ...env, NEXUS_EGRESS_PRIVATE: "deny" },
        viaStartTask: true,
      });
      await using client = await connect("2025-11-25", gateway.mcpUrl);
      await expectError(
        client,
        "local",
        {},
        /^Egress denied: localhost \(127\.0\.0\.1\) is a loopback/,
      );
      await expectError(client, "get", { url: `http://localhost:${port}/` }, /Egress denied/);
      await expectError(
        client,
        "get",
        { url: `http://0x7f000001:${port}/` },
        /Egress denied: 127\.0\.0\.1/,
      );
      await expectError(
        client,
        "get",
        { url: `http://internal.test:${port}/` },
        /Egress denied: internal\.test \(127\.0\.0\.1\)/,
      );
    });
    await t.step("NEXUS_EGRESS_ALLOW lets listed hosts and CIDRs through", async () => {
      await using gateway = await startGateway({
        toolsDir: tools.dir,
        env: {
          ...env,
          NEXUS_EGRESS_PRIVATE: "deny",
          NEXUS_EGRESS_ALLOW: "localhost,internal.test,127.0.0.0/8",
        },
        viaStartTask: true,
      });
      await using client = await connect("2026-07-28", gateway.mcpUrl);
      await expectOk(client, "local", {}, /internal service/);
      await expectOk(client, "get", { url: `http://0x7f000001:${port}/` }, /internal service/);
      await expectOk(client, "get", { url: `http://internal.test:${port}/` }, /internal service/);
      await expectError(client, "metadata", {}, /Egress denied/);
    });
    await t.step("with a stdio upstream the child runs and stops with the gateway", async () => {
      await using stdioTools = await createToolsDir({
        "probe.ts": PROBE_TOOLS,
        "fixture.yaml": `upstreams:
  - name: fixture
    stdio: { command: ${Deno.execPath()}, args: [run, --allow-env, ${FIXTURE}] }
`,
      });
      await using gateway = await startGateway({
        toolsDir: stdioTools.dir,
        env,
        viaStartTask: true,
      });
      await using client = await connect("2026-07-28", gateway.mcpUrl);
      const { tools: listed } = await client.listTools();
      const echo = listed.find((tool) => tool.name.endsWith("echo"));
      assert.ok(echo, `${listed.map((tool) => tool.name)}\n${gateway.stderrLines().join("\n")}`);
      await expectOk(client, echo.name, { text: "through the sandbox" }, /through the sandbox/);
      await client.close();
      const status = await gateway.stop();
      assert.equal(status.code, 0, gateway.stderrLines().join("\n"));
    });
  } finally {
    await server.shutdown();
    await dns.close();
  }
});
