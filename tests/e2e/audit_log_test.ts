/**
 * The real gateway's audit log: N calls of mixed outcome leave exactly N rows with the right
 * fields and no secret; SIGTERM in the middle of a load loses no record of a completed call.
 */

import assert from "node:assert/strict";
import { type Client, ProtocolError } from "@modelcontextprotocol/client";
import { openStore, type StoredAuditRow } from "../../lib/store/mod.ts";
import { connectAs, createClientKey, runNexus } from "../_support/auth_fixtures.ts";
import { createGatewayToolsDir, startGateway } from "../_support/gateway.ts";

const SECRET = "s3cr3t-value-that-must-not-be-stored";

async function auditRows(dataDir: string): Promise<StoredAuditRow[]> {
  const store = await openStore({ dataDir });
  try {
    return (await store.audit.query({ limit: 10_000, order: "asc" }));
  } finally {
    await store.close();
  }
}

async function attempt(client: Client, name: string, args: Record<string, unknown>) {
  try {
    return await client.callTool({ name, arguments: args });
  } catch (error) {
    if (error instanceof ProtocolError) return error;
    throw error;
  }
}

Deno.test("N calls of mixed outcome leave exactly N audit rows, none with a secret", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "nexus-e2e-audit-" });
  const env = { NEXUS_DATA_DIR: dataDir };
  try {
    const key = await createClientKey("auditor", env);
    await using tools = await createGatewayToolsDir();
    const gateway = await startGateway({ toolsDir: tools.dir, env });
    const calls: [string, Record<string, unknown>, string, string | null][] = [
      ["text_stats", { text: `one two ${SECRET}` }, "ok", null],
      ["demo_echo", { message: SECRET, upper: true }, "ok", null],
      ["demo_echo", { message: "" }, "error", "INVALID_INPUT"],
      ["no_such_tool", { password: SECRET }, "error", "NOT_FOUND"],
      ["uuid_generate", {}, "ok", null],
      ["text_stats", { text: 42 }, "error", "INVALID_INPUT"],
    ];
    {
      await using client = await connectAs("2026-07-28", gateway.mcpUrl, key);
      for (const [name, args] of calls) await attempt(client, name, args);
    }
    await gateway.stop();
    const rows = await auditRows(dataDir);
    assert.equal(rows.length, calls.length);
    rows.forEach((row, index) => {
      const [tool, , outcome, errorCode] = calls[index]!;
      assert.equal(row.tool, tool);
      assert.equal(row.outcome, outcome, `${tool}: ${JSON.stringify(row)}`);
      assert.equal(row.errorCode, errorCode);
      assert.equal(row.clientName, "auditor");
      assert.match(row.clientId, /^key:[0-9a-f]{16}$/);
      assert.equal(row.clientKind, "api_key");
      assert.equal(row.server, "default");
      assert.match(row.argsHash, /^[0-9a-f]{64}$/);
      assert.equal(row.args, null, "arguments are not kept by default");
      assert.ok(row.durationMs >= 0);
      assert.ok(Math.abs(row.at - Date.now()) < 60_000);
    });
    assert.equal(new Set(rows.map((row) => row.requestId)).size, rows.length);
    assert.equal(rows[1]!.backendStatus ?? 200, 200);
    const text = JSON.stringify(rows);
    assert.ok(!text.includes(SECRET), "no argument secret in the audit log");
    assert.ok(!text.includes(key.slice(21)), "no client key in the audit log");
    const dbBytes = await Deno.readFile(`${dataDir}/nexus.db`);
    assert.ok(!new TextDecoder().decode(dbBytes).includes(SECRET), "not in the file either");
    const query = await runNexus(
      ["audit", "query", "--client", "auditor", "--tool", "demo_echo", "--since", "1h", "--json"],
      env,
    );
    assert.equal(query.code, 0, query.stderr);
    const found = query.stdout.trim().split("\n").map((line) => JSON.parse(line));
    assert.deepEqual(found.map((row) => row.requestId), [rows[2]!.requestId, rows[1]!.requestId]);
    const tail = await runNexus(["audit", "tail", "--limit", "2", "--once"], env);
    assert.equal(tail.code, 0, tail.stderr);
    const lines = tail.stdout.trim().split("\n");
    assert.equal(lines.length, 2);
    assert.match(
      lines[1]!,
      /auditor \(key:[0-9a-f]+\) {2}default {2}text_stats {2}error INVALID_INPUT/,
    );
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("SIGTERM mid-load loses no audit record of a completed call", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "nexus-e2e-audit-" });
  const env = { NEXUS_DATA_DIR: dataDir, NEXUS_AUDIT_ARGUMENTS: "true" };
  try {
    const key = await createClientKey("loader", env);
    await using tools = await createGatewayToolsDir();
    const gateway = await startGateway({ toolsDir: tools.dir, env });
    const completed: string[] = [];
    let stopping = false;
    const worker = async (id: number) => {
      const client = await connectAs("2026-07-28", gateway.mcpUrl, key);
      try {
        for (let i = 0; !stopping || i < 1; i++) {
          const text = `w${id}-call${i}`;
          const result = await client.callTool({ name: "text_stats", arguments: { text } });
          if (result.isError === undefined) completed.push(text);
        }
      } catch {
        // Why: once the gateway stops, calls fail; only completed ones are counted.
      } finally {
        await client.close().catch(() => {});
      }
    };
    const workers = [0, 1, 2, 3, 4, 5].map(worker);
    const deadline = Date.now() + 10_000;
    while (completed.length < 100 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    stopping = true;
    const status = await gateway.stop();
    await Promise.all(workers);
    assert.equal(status.code, 0, gateway.stderrLines().join("\n"));
    assert.ok(completed.length >= 100, `only ${completed.length} calls completed`);
    const audited = new Set(
      (await auditRows(dataDir)).map((row) => JSON.parse(row.args ?? "{}").text as string),
    );
    const lost = completed.filter((text) => !audited.has(text));
    assert.deepEqual(lost, [], `${lost.length} of ${completed.length} completed calls unaudited`);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
