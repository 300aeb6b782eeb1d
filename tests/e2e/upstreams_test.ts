/**
 * Upstream MCP servers behind the real gateway (a subprocess): a fixture SDK v2 upstream over
 * HTTP demanding a bearer token that the real CLI stored in the vault, federated tools listed and
 * called by real SDK clients of both eras through the same pipeline (policy, audit), an
 * unreachable upstream left out, and `nexus check` / `nexus upstreams list` on the same config.
 */

import assert from "node:assert/strict";
import { type Client, ProtocolError } from "@modelcontextprotocol/client";
import { generateMasterKey } from "../../lib/credentials/mod.ts";
import { openStore } from "../../lib/store/mod.ts";
import { connectAs, createClientKey, runNexus } from "../_support/auth_fixtures.ts";
import { runNexus as runNexusWithStdin } from "../_support/cli.ts";
import { createGatewayToolsDir, ERAS, startGateway } from "../_support/gateway.ts";
import { startMcpUpstream } from "../_support/mcp_upstream.ts";
import { yamlTools } from "../_support/registry_fixtures/tools_dir.ts";

const SECRET = "tok-upstream-bearer-7f3a9";

function unusedUrl(): string {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return `http://127.0.0.1:${port}/mcp`;
}

function configYaml(upstreamUrl: string): string {
  return `policies:
  - name: alice sees all but the admin tool
    clients: ["key:alice"]
    tools: ["*"]
    deny: [fx_admin_reset]
upstreams:
  - name: fx
    url: ${upstreamUrl}
    auth: fx-token
    tools:
      deny: ["internal_*"]
      describe: { fail: "Fails on purpose." }
`;
}

function upstreamsFile(upstreamUrl: string, deadUrl: string): string {
  return `upstreams:
  - name: other
    url: ${upstreamUrl}
    auth: fx-token
    separator: "."
    tools: { allow: [echo], rename: { echo: say } }
  - name: dead
    url: ${deadUrl}
`;
}

async function callOrError(client: Client, name: string, args: Record<string, unknown> = {}) {
  try {
    return await client.callTool({ name, arguments: args });
  } catch (error) {
    if (error instanceof ProtocolError) return error;
    throw error;
  }
}

Deno.test("federated HTTP upstream: both eras, vault bearer, policy, audit, dead upstream left out", async (t) => {
  await using upstream = startMcpUpstream({ bearer: SECRET });
  const dataDir = await Deno.makeTempDir({ prefix: "nexus-e2e-upstreams-" });
  try {
    const configPath = `${dataDir}/nexus.yaml`;
    await Deno.writeTextFile(configPath, configYaml(upstream.url));
    const env = {
      NEXUS_DATA_DIR: dataDir,
      NEXUS_MASTER_KEY: generateMasterKey(),
      NEXUS_CONFIG: configPath,
    };
    const stored = await runNexusWithStdin(["credentials", "set", "fx-token", "--kind", "bearer"], {
      env,
      stdin: SECRET,
    });
    assert.equal(stored.code, 0, stored.stderr);
    const key = await createClientKey("alice", env);
    await using tools = await createGatewayToolsDir({
      "upstreams.yaml": upstreamsFile(upstream.url, unusedUrl()),
    });
    await using gateway = await startGateway({ toolsDir: tools.dir, env });
    const seen: unknown[] = [];

    for (const era of ERAS) {
      await t.step(
        `${era}: tools/list shows the federated tools, renamed and filtered`,
        async () => {
          await using client = await connectAs(era, gateway.mcpUrl, key);
          const listed = (await client.listTools()).tools;
          seen.push(listed);
          const names = listed.map((tool) => tool.name);
          for (const name of ["fx_echo", "fx_fail", "fx_structured", "other.say", "text_stats"]) {
            assert.ok(names.includes(name), `${name} missing from ${names.join(", ")}`);
          }
          for (const name of ["fx_admin_reset", "fx_internal_debug", "other.fail"]) {
            assert.ok(!names.includes(name), `${name} must be hidden`);
          }
          assert.ok(!names.some((name) => name.startsWith("dead")));
          const structured = listed.find((tool) => tool.name === "fx_structured")!;
          assert.deepEqual(structured.outputSchema, {
            type: "object",
            properties: { doubled: { type: "integer" } },
            required: ["doubled"],
          });
          assert.deepEqual(structured.annotations, { readOnlyHint: true, openWorldHint: false });
          assert.deepEqual(structured.icons, [
            { src: "https://example.com/icon.png", mimeType: "image/png" },
          ]);
          assert.deepEqual(structured._meta, { "example.com/owner": "fixture" });
          const fail = listed.find((tool) => tool.name === "fx_fail")!;
          assert.equal(fail.description, "Fails on purpose.");
        },
      );

      await t.step(`${era}: calls pass through the gateway and back untouched`, async () => {
        await using client = await connectAs(era, gateway.mcpUrl, key);
        const echo = await client.callTool({ name: "fx_echo", arguments: { text: "hi" } });
        assert.deepEqual(echo.content, [{ type: "text", text: "echo: hi" }]);
        assert.equal(echo._meta?.["example.com/trace"], "t-1");
        const renamed = await client.callTool({ name: "other.say", arguments: { text: "yo" } });
        assert.deepEqual(renamed.content, [{ type: "text", text: "echo: yo" }]);
        const fail = await client.callTool({ name: "fx_fail", arguments: {} });
        assert.equal(fail.isError, true);
        assert.deepEqual(fail.content, [{ type: "text", text: "upstream says no" }]);
        const structured = await client.callTool({ name: "fx_structured", arguments: { n: 21 } });
        assert.deepEqual(structured.structuredContent, { doubled: 42 });
        seen.push(echo, renamed, fail, structured);
      });

      await t.step(`${era}: a tool the policy denies answers like an unknown tool`, async () => {
        await using client = await connectAs(era, gateway.mcpUrl, key);
        const denied = await callOrError(client, "fx_admin_reset");
        const unknown = await callOrError(client, "fx_no_such_tool");
        assert.ok(denied instanceof ProtocolError && unknown instanceof ProtocolError);
        assert.equal(denied.code, unknown.code);
      });
    }

    await t.step("the upstream saw the vault's bearer on every request; clients never did", () => {
      const authorizations = upstream.authorizations();
      assert.ok(authorizations.length > 0);
      assert.ok(authorizations.every((value) => value === `Bearer ${SECRET}`), "no other header");
      assert.ok(upstream.protocolVersions().includes("2026-07-28"), "negotiated 2026-07-28");
      assert.ok(!JSON.stringify(seen).includes(SECRET), "the secret reached a client");
      assert.equal(upstream.calls("admin_reset"), 0, "a denied call never reaches the upstream");
    });

    await t.step("the dead upstream is a warning in the log, not a failure", () => {
      const warning = gateway.stderrLines().find((line) =>
        line.includes("Upstream tools left out") && line.includes('"upstream":"dead"')
      );
      assert.ok(warning, gateway.stderrLines().join("\n"));
    });

    await gateway.stop();

    await t.step("the audit log records the federated calls with the credential used", async () => {
      const store = await openStore({ dataDir });
      try {
        const rows = await store.audit.query({ limit: 1000, order: "asc", tool: "fx_echo" });
        assert.equal(rows.length, 2, JSON.stringify(rows));
        for (const row of rows) {
          assert.equal(row.outcome, "ok");
          assert.equal(row.clientName, "alice");
          assert.equal(row.credentialName, "fx-token");
        }
        const denied = await store.audit.query({ limit: 10, tool: "fx_admin_reset" });
        assert.ok(denied.every((row) => row.errorCode === "NOT_FOUND"));
      } finally {
        await store.close();
      }
    });

    await t.step(
      "nexus upstreams list shows state, protocol, tool count and last error",
      async () => {
        const run = await runNexus(["upstreams", "list", "--json"], {
          ...env,
          NEXUS_TOOLS_DIR: tools.dir,
        });
        assert.equal(run.code, 1, "exit 1: one upstream is down");
        const reports = JSON.parse(run.stdout) as Array<Record<string, unknown>>;
        const byName = Object.fromEntries(reports.map((report) => [report.name, report]));
        assert.deepEqual(
          { ...(byName.fx as { state: Record<string, unknown> }).state, tools: byName.fx!.tools },
          { status: "running", protocolVersion: "2026-07-28", restarts: 0, tools: 5 },
        );
        assert.equal(byName.other!.tools, 1);
        assert.deepEqual(byName.fx!.breaker, { state: "closed", consecutiveFailures: 0 });
        const dead = byName.dead as {
          state: { status: string; lastError?: string };
          tools: number;
        };
        assert.equal(dead.state.status, "failed");
        assert.ok(dead.state.lastError);
        assert.equal(dead.tools, 0);
      },
    );
  } finally {
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
});

Deno.test("nexus check: upstream problems name both sources, and nothing is connected", async () => {
  await using upstream = startMcpUpstream();
  const dataDir = await Deno.makeTempDir({ prefix: "nexus-e2e-upstreams-check-" });
  try {
    const configPath = `${dataDir}/nexus.yaml`;
    await Deno.writeTextFile(
      configPath,
      `upstreams:\n  - name: fx\n    url: ${upstream.url}\n    tools: { rename: { echo: say } }\n`,
    );
    await using tools = await createGatewayToolsDir({
      "clash.yaml": yamlTools("fx_say"),
      "more.yaml": `upstreams:\n  - name: fx\n    url: ${upstream.url}\n`,
      "argv.yaml": `upstreams:
  - name: local
    stdio: { command: server, args: ["--token", "\${credential:tok}"] }
`,
    });
    const run = await runNexus(["check"], {
      NEXUS_DATA_DIR: dataDir,
      NEXUS_CONFIG: configPath,
      NEXUS_TOOLS_DIR: tools.dir,
    });
    assert.equal(run.code, 1, run.stdout);
    const lines = run.stdout.trimEnd().split("\n");
    assert.ok(
      lines.includes(
        `${tools.path("argv.yaml")}:3: upstreams[0].stdio.args[1]: ` +
          "credential references are allowed in stdio.env values only, never on argv",
      ),
      run.stdout,
    );
    assert.ok(
      lines.includes(
        `upstream "fx" at ${tools.path("more.yaml")}:2 is already declared at ${configPath}:1`,
      ),
      run.stdout,
    );
    assert.ok(
      lines.includes(
        `upstream "fx" (${configPath}:1) renames "echo" to "fx_say", which clashes with ` +
          `tool file ${tools.path("clash.yaml")}:2`,
      ),
      run.stdout,
    );
    assert.deepEqual(upstream.authorizations(), [], "check connected to the upstream");
  } finally {
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
});
