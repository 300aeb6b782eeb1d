/**
 * A 2025-era client that goes away in the middle of a call answered on the direct path (an SSE
 * stream opened at once): the call is cancelled, and its audit row says so (`CANCELLED`).
 */

import assert from "node:assert/strict";
import { openStore } from "../../lib/store/mod.ts";
import { createGatewayToolsDir, rpcBody, rpcHeaders, startGateway } from "../_support/gateway.ts";
import { SLOW_TOOL } from "../_support/slow_tool.ts";

const ERA = "2025-11-25";

Deno.test("a 2025 client going away mid-call cancels the call (its audit row says CANCELLED)", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "nexus-e2e-legacy-cancel-" });
  try {
    await using tools = await createGatewayToolsDir({ "slow.ts": SLOW_TOOL });
    const gateway = await startGateway({ toolsDir: tools.dir, env: { NEXUS_DATA_DIR: dataDir } });
    const message = {
      id: 1,
      method: "tools/call",
      params: { name: "slow_echo", arguments: { text: "left", ms: 30_000 } },
    };
    const client = new AbortController();
    const response = await fetch(gateway.mcpUrl, {
      method: "POST",
      headers: rpcHeaders(ERA, message),
      body: JSON.stringify(rpcBody(ERA, message)),
      signal: client.signal,
    });
    assert.equal(response.headers.get("content-type"), "text/event-stream");
    const started = performance.now();
    client.abort();
    await response.body?.cancel().catch(() => {});
    // Why a wait: the gateway learns of the closed connection, then the call ends and is recorded.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const status = await gateway.stop();
    assert.equal(status.code, 0, gateway.stderrLines().join("\n"));
    const store = await openStore({ dataDir });
    try {
      const rows = await store.audit.query({ limit: 10, order: "asc" });
      assert.equal(rows.length, 1, JSON.stringify(rows));
      assert.equal(rows[0]!.tool, "slow_echo");
      assert.equal(rows[0]!.errorCode, "CANCELLED", JSON.stringify(rows[0]));
      assert.ok(rows[0]!.durationMs < 10_000, `ended ${rows[0]!.durationMs} ms after it started`);
      assert.ok(performance.now() - started < 10_000);
    } finally {
      await store.close();
    }
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
