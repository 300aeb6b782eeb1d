/**
 * `perClient: true` behind the real gateway (a subprocess): two API-key clients get two children
 * of the fixture stdio server, each keeps its own, the listing child is a third; the principal
 * reaches the upstream layer through the whole call pipeline. `nexus upstreams list` shows the
 * start mode and the children column; stopping the gateway leaves no child.
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import type { Client } from "@modelcontextprotocol/client";
import { connectAs, createClientKey, runNexus } from "../_support/auth_fixtures.ts";
import { createGatewayToolsDir, startGateway } from "../_support/gateway.ts";
import { processTable, waitGone } from "../_support/processes.ts";

const FIXTURE = fileURLToPath(new URL("../_support/stdio_fixture_server.ts", import.meta.url));

async function pidOf(client: Client): Promise<number> {
  const result = await client.callTool({ name: "mine_pid", arguments: {} });
  return Number((result.content as Array<{ text: string }>)[0]!.text);
}

async function children(marker: string): Promise<number[]> {
  return (await processTable()).filter((p) => p.cmdline.includes(marker)).map((p) => p.pid);
}

Deno.test("perClient behind the gateway: one child per API key, listing child apart, none left after stop", async (t) => {
  const marker = `nexus-per-client-e2e-${crypto.randomUUID()}`;
  const dataDir = await Deno.makeTempDir({ prefix: "nexus-e2e-per-client-" });
  try {
    const env = { NEXUS_DATA_DIR: dataDir };
    const alice = await createClientKey("alice", env);
    const bob = await createClientKey("bob", env);
    await using tools = await createGatewayToolsDir({
      "mine.yaml": `upstreams:
  - name: mine
    perClient: { idleTimeout: 10m, maxChildren: 4 }
    stdio:
      command: ${JSON.stringify(Deno.execPath())}
      args: ["run", "--quiet", "--no-prompt", "--allow-env", ${JSON.stringify(FIXTURE)}, ${
        JSON.stringify(marker)
      }]
      env: { NO_COLOR: "1" }
`,
    });
    const gateway = await startGateway({ toolsDir: tools.dir, env });
    try {
      await t.step("each API key gets its own child, kept across connections", async () => {
        await using a = await connectAs("2026-07-28", gateway.mcpUrl, alice);
        await using b = await connectAs("2025-11-25", gateway.mcpUrl, bob);
        const names = (await a.listTools()).tools.map((tool) => tool.name);
        assert.ok(names.includes("mine_pid"), names.join(", "));
        const [listing] = await children(marker);
        const pa = await pidOf(a);
        const pb = await pidOf(b);
        assert.notEqual(pa, pb);
        assert.ok(listing !== undefined && listing !== pa && listing !== pb);
        await using again = await connectAs("2025-11-25", gateway.mcpUrl, alice);
        assert.equal(await pidOf(again), pa, "alice's second connection reaches her child");
        assert.deepEqual((await children(marker)).sort(), [listing, pa, pb].sort());
      });
    } finally {
      await gateway.stop();
    }

    await t.step("stopping the gateway leaves no child", async () => {
      assert.deepEqual(await waitGone(() => children(marker)), []);
    });

    await t.step("nexus upstreams list shows the start mode and the children column", async () => {
      const json = await runNexus(["upstreams", "list", "--json"], {
        ...env,
        NEXUS_TOOLS_DIR: tools.dir,
      });
      assert.equal(json.code, 0, json.stderr);
      const [report] = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
      assert.equal(report!.start, "lazy");
      assert.equal(report!.perClient, true);
      assert.equal((report!.state as { children: number }).children, 0);
      const table = await runNexus(["upstreams", "list"], { ...env, NEXUS_TOOLS_DIR: tools.dir });
      const [header, row] = table.stdout.trimEnd().split("\n");
      assert.match(header!, /^NAME\s+STATE\s+PROTOCOL\s+TOOLS\s+START\s+CHILDREN\s+CIRCUIT/);
      assert.match(row!, /^mine\s+running\s+\S+\s+\d+\s+lazy\s+0\s+closed/);
      assert.deepEqual(await waitGone(() => children(marker)), [], "the probe's children stopped");
    });
  } finally {
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
});
