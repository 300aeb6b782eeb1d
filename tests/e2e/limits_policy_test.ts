/**
 * One real gateway in embedded mode with client keys made by the real CLI and a per-client
 * rate-limit override in a `nexus.yaml` policy: the override replaces the tool's limit for that
 * client only, down or up; everyone else keeps the tool's limit.
 */

import assert from "node:assert/strict";
import { type Client, ProtocolError } from "@modelcontextprotocol/client";
import { connectAs, createClientKey } from "../_support/auth_fixtures.ts";
import { upstreamToolsDir } from "../_support/cluster.ts";
import { startGateway } from "../_support/gateway.ts";
import { startUpstream } from "../_support/upstream_server.ts";
import { openStore } from "../../lib/store/mod.ts";

const CONFIG = `rateLimits: { perClient: 100/min }
policies:
  - name: everyone
    tools: ["*"]
  - name: throttled importer
    clients: ["key:alice"]
    rateLimit: { perClient: 3/min }
  - name: trusted batch
    clients: ["key:carol"]
    rateLimit: { perClient: 20/min }
`;

const TOOLS = `
  - name: lookup
    description: Limited to 10 calls a minute per client by its tool file.
    http: { url: /echo/lookup, timeout: 5s }
    rateLimit: { perClient: 10/min }
`;

/** Calls `lookup` `count` times in a row; returns how many were admitted and the denials. */
async function callRepeatedly(
  client: Client,
  count: number,
): Promise<{ admitted: number; denials: ProtocolError[] }> {
  const denials: ProtocolError[] = [];
  for (let i = 0; i < count; i++) {
    try {
      const result = await client.callTool({ name: "lookup", arguments: {} });
      assert.equal(result.isError, undefined, JSON.stringify(result));
    } catch (error) {
      assert.ok(error instanceof ProtocolError, String(error));
      denials.push(error);
    }
  }
  return { admitted: count - denials.length, denials };
}

Deno.test("a policy's 3/min override denies client A's 4th call while client B keeps the tool's 10/min", async () => {
  const upstream = startUpstream();
  const dataDir = await Deno.makeTempDir({ prefix: "nexus-e2e-limit-policy-" });
  try {
    const configPath = `${dataDir}/nexus.yaml`;
    await Deno.writeTextFile(configPath, CONFIG);
    const env = { NEXUS_DATA_DIR: dataDir, NEXUS_CONFIG: configPath };
    const alice = await createClientKey("alice", env);
    const bob = await createClientKey("bob", env);
    const carol = await createClientKey("carol", env);
    await using tools = await upstreamToolsDir(upstream.url, TOOLS);
    await using gateway = await startGateway({ toolsDir: tools.dir, env });
    await using a = await connectAs("2026-07-28", gateway.mcpUrl, alice);
    await using b = await connectAs("2026-07-28", gateway.mcpUrl, bob);
    await using c = await connectAs("2025-11-25", gateway.mcpUrl, carol);

    const first = await callRepeatedly(a, 4);
    assert.equal(first.admitted, 3);
    const denied = first.denials[0]!;
    assert.equal(denied.code, -32029);
    const data = denied.data as { retryAfterMs: number; scope: string; limit: string };
    assert.ok(data.retryAfterMs > 50_000 && data.retryAfterMs <= 66_000, `${data.retryAfterMs}`);
    assert.deepEqual([data.scope, data.limit], ["perClient", "3/min"]);
    assert.match(denied.message, /Rate limit exceeded for tool "lookup": perClient 3\/min/);

    const other = await callRepeatedly(b, 4);
    assert.equal(other.admitted, 4, "client B is not limited by A's override");
    const rest = await callRepeatedly(b, 7);
    assert.equal(rest.admitted, 6, "B has the tool file's 10/min, not nexus.yaml's 100/min");
    assert.equal((rest.denials[0]?.data as { limit?: string }).limit, "10/min");

    const raised = await callRepeatedly(c, 21);
    assert.equal(raised.admitted, 20, "an override raises a limit as well as lowering it");

    assert.equal(upstream.hits("/echo/lookup"), 3 + 10 + 20, "denied calls never reach it");
  } finally {
    await upstream.close();
    await Deno.remove(dataDir, { recursive: true });
  }
});

const BUDGET_CONFIG = `rateLimits: { perClient: 10/min }
`;

const TAGGER = `
  - name: tagger
    description: Takes a list of string tags.
    input:
      type: object
      properties: { tags: { type: array, items: { type: string } } }
      additionalProperties: false
    http: { url: /echo/tagger, timeout: 5s }
`;

/** The outcome of one call: `ok`, `tool_error` or the protocol error's code. */
async function outcomeOf(client: Client, name: string, args: Record<string, unknown>) {
  try {
    const result = await client.callTool({ name, arguments: args });
    return result.isError ? "tool_error" : "ok";
  } catch (error) {
    assert.ok(error instanceof ProtocolError, String(error));
    return String(error.code);
  }
}

Deno.test("limits come before work: unknown and invalid calls spend the client's budget, errors stay small, audit rows stay bounded", async () => {
  const upstream = startUpstream();
  const dataDir = await Deno.makeTempDir({ prefix: "nexus-e2e-limit-first-" });
  try {
    const configPath = `${dataDir}/nexus.yaml`;
    await Deno.writeTextFile(configPath, BUDGET_CONFIG);
    const env = { NEXUS_DATA_DIR: dataDir, NEXUS_CONFIG: configPath };
    const flooder = await createClientKey("flooder", env);
    const sloppy = await createClientKey("sloppy", env);
    const big = await createClientKey("big", env);
    await using tools = await upstreamToolsDir(upstream.url, TAGGER);
    const gateway = await startGateway({ toolsDir: tools.dir, env });
    try {
      await using a = await connectAs("2026-07-28", gateway.mcpUrl, flooder);
      const unknown: string[] = [];
      for (let i = 0; i < 100; i++) unknown.push(await outcomeOf(a, `made_up_${i}`, {}));
      assert.deepEqual(unknown.slice(0, 10), Array(10).fill("-32602"), "Unknown tool");
      assert.deepEqual(unknown.slice(10), Array(90).fill("-32029"), "RATE_LIMITED after 10");

      await using b = await connectAs("2025-11-25", gateway.mcpUrl, sloppy);
      const invalid: string[] = [];
      for (let i = 0; i < 15; i++) invalid.push(await outcomeOf(b, "tagger", { tags: [i] }));
      assert.deepEqual(invalid, [...Array(10).fill("tool_error"), ...Array(5).fill("-32029")]);
      assert.equal(upstream.hits("/echo/tagger"), 0);

      await using c = await connectAs("2026-07-28", gateway.mcpUrl, big);
      const result = await c.callTool({
        name: "tagger",
        arguments: { tags: Array(125_000).fill(1) },
      });
      assert.equal(result.isError, true);
      const text = JSON.stringify(result.content);
      assert.ok(text.length <= 5000, `error result of ${text.length} characters`);
      assert.match(text, /argument \\"tags\[0\]\\": must be string/);
    } finally {
      await gateway.stop();
    }
    const store = await openStore({ dataDir });
    try {
      const rows = await store.audit.query({ limit: 10_000, order: "asc" });
      const flood = rows.filter((row) => row.clientName === "flooder");
      assert.equal(flood.filter((row) => row.errorCode === "NOT_FOUND").length, 10);
      const limited = flood.filter((row) => row.errorCode === "RATE_LIMITED");
      const written = limited.filter((row) => row.outcome === "error");
      const aggregates = limited.filter((row) => row.outcome === "suppressed");
      const suppressed = aggregates.reduce((sum, row) => sum + JSON.parse(row.args!).suppressed, 0);
      assert.equal(written.length + suppressed, 90, "every refused call is a row or counted");
      // Why per minute: sampling windows are wall-clock minutes, and a run may straddle one.
      const perMinute = new Map<number, number>();
      for (const row of written) {
        const minute = Math.floor(row.at / 60_000);
        perMinute.set(minute, (perMinute.get(minute) ?? 0) + 1);
      }
      for (const count of perMinute.values()) assert.ok(count <= 20, `${count} rows in a minute`);
      if (perMinute.size === 1) {
        assert.deepEqual(
          limited.map((row) => row.outcome),
          [...Array(20).fill("error"), "suppressed"],
          "20 rows, then one aggregate",
        );
        assert.equal(suppressed, 70);
      }
    } finally {
      await store.close();
    }
  } finally {
    await upstream.close();
    await Deno.remove(dataDir, { recursive: true });
  }
});
