/**
 * The console's admin API on the real gateway (subprocess, embedded store): the audit tail
 * streams an admin write over a real socket as it is written, the overview answers (never
 * anonymously), and the gateway still stops cleanly (exit 0) after a client dropped its tail.
 */

import assert from "node:assert/strict";
import { createClientKey } from "../_support/auth_fixtures.ts";
import { createGatewayToolsDir, startGateway } from "../_support/gateway.ts";

Deno.test("the real gateway streams /admin/audit/tail and answers /admin/overview", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "nexus-e2e-console-" });
  try {
    const env = { NEXUS_DATA_DIR: dataDir };
    const adminKey = await createClientKey("ops", env, ["--admin"]);
    const headers = { authorization: `Bearer ${adminKey}` };
    await using tools = await createGatewayToolsDir();
    await using gateway = await startGateway({ toolsDir: tools.dir, env });
    const tail = await fetch(`${gateway.url}/admin/audit/tail?tool=clients.create`, { headers });
    assert.equal(tail.status, 200);
    assert.equal(tail.headers.get("content-type"), "text/event-stream");
    const reader = tail.body!.pipeThrough(new TextDecoderStream()).getReader();
    const created = await fetch(`${gateway.url}/admin/clients`, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: JSON.stringify({ name: "bot" }),
    });
    assert.equal(created.status, 201);
    await created.body?.cancel();
    let text = "";
    const deadline = Date.now() + 15_000;
    while (!text.includes("event: audit") && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    await reader.cancel();
    const data = /^data: (.*)$/m.exec(text)?.[1];
    assert.ok(data !== undefined, `no audit event: ${text}`);
    const row = JSON.parse(data);
    assert.deepEqual([row.tool, row.clientName, row.clientKind], [
      "clients.create",
      "ops",
      "admin",
    ]);
    assert.deepEqual(JSON.parse(row.args), { target: "bot" });

    const overview = await (await fetch(`${gateway.url}/admin/overview`, { headers })).json();
    assert.equal(overview.store.kind, "embedded");
    assert.equal(overview.instance.ready, true);
    assert.equal(overview.window.points.length, 60);
    const anonymous = await fetch(`${gateway.url}/admin/overview`);
    assert.equal(anonymous.status, 401);
    await anonymous.body?.cancel();

    const status = await gateway.stop();
    assert.equal(status.code, 0, gateway.stderrLines().join("\n"));
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
