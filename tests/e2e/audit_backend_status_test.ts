/**
 * The upstream's HTTP status reaches the audit log: the real gateway calls a local upstream and
 * the `backend_status` column holds what it answered, for a success and for an upstream error.
 */

import assert from "node:assert/strict";
import { runNexus } from "../_support/cli.ts";
import { connect, createGatewayToolsDir, startGateway } from "../_support/gateway.ts";
import { startUpstream } from "../_support/upstream_server.ts";

function toolsYaml(baseUrl: string): string {
  return `baseUrl: ${baseUrl}
tools:
  - name: status_ok
    description: Answered with HTTP 200.
    http: { url: /echo/ok }
  - name: status_fail
    description: Always answered with HTTP 500.
    http:
      url: /respond
      query: { status: "500", body: upstream exploded }
  - name: status_missing
    description: Always answered with HTTP 404.
    http:
      url: /respond
      query: { status: "404", body: no such item }
`;
}

Deno.test("the audit row of every HTTP call holds the upstream's status: 200, 500 and 404", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "nexus-e2e-backend-status-" });
  const env = { NEXUS_DATA_DIR: dataDir };
  const upstream = startUpstream();
  try {
    await using tools = await createGatewayToolsDir({ "status.yaml": toolsYaml(upstream.url) });
    const gateway = await startGateway({ toolsDir: tools.dir, env });
    {
      await using client = await connect("2026-07-28", gateway.mcpUrl);
      const ok = await client.callTool({ name: "status_ok", arguments: {} });
      assert.equal(ok.isError, undefined);
      for (const name of ["status_fail", "status_missing"]) {
        const failed = await client.callTool({ name, arguments: {} });
        assert.equal(failed.isError, true);
      }
      await client.callTool({ name: "text_stats", arguments: { text: "no upstream" } });
    }
    await gateway.stop();
    const query = await runNexus(["audit", "query", "--since", "1h", "--json"], { env });
    assert.equal(query.code, 0, query.stderr);
    const rows = query.stdout.trim().split("\n").map((line) => JSON.parse(line));
    const byTool = Object.fromEntries(rows.map((row) => [row.tool, row]));
    assert.equal(rows.length, 4);
    assert.equal(byTool.status_ok?.backendStatus, 200);
    assert.equal(byTool.status_ok?.outcome, "ok");
    assert.equal(byTool.status_fail?.backendStatus, 500);
    assert.equal(byTool.status_fail?.errorCode, "UPSTREAM_ERROR");
    assert.equal(byTool.status_missing?.backendStatus, 404);
    assert.equal(byTool.text_stats?.backendStatus, null, "an in-process tool has no upstream");
  } finally {
    await upstream.close();
    await Deno.remove(dataDir, { recursive: true });
  }
});
