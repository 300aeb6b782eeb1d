/**
 * No stickiness for 2025 sessions: two real gateway processes sharing the master key, the store
 * and a Redis prefix, a 2026-07-28 HTTP upstream and a 2025-only stdio upstream that ask for
 * elicitation, and a real SDK v2 2025 client whose requests go to instance A while its answers,
 * notifications and GET stream go to instance B (a splitting fetch, the worst a balancer could
 * do). The elicitation answered through B completes the call waiting on A; the session id opened
 * on B serves B's own requests; another principal holding the id gets 404; a cancellation sent to
 * B reaches the upstream (HTTP and stdio) of the call on A; a `resources/subscribe` taken by A
 * reaches the client's GET stream on B; a DELETE on B ends the session on A. The cluster helpers
 * are in `tests/_support/cross_instance.ts`.
 */

import assert from "node:assert/strict";
import type { Client } from "@modelcontextprotocol/client";
import { createClientKey } from "../_support/auth_fixtures.ts";
import {
  connect,
  createGatewayToolsDir,
  type Gateway,
  startGateway,
  waitUntil,
} from "../_support/gateway.ts";
import { openTestRedis, redisTest, testPrefix } from "../_support/redis.ts";
import { clusterEnv, sessionChannelReady, splitFetch } from "../_support/cross_instance.ts";
import { oldStdioUpstreamYaml, startRelayUpstream } from "../_support/relay_fixture_server.ts";
import { startCatalogUpstream } from "../_support/catalog_upstream.ts";
import { textOf } from "../_support/tool_text.ts";

const LEGACY = "2025-11-25";

function upstreamsYaml(url: string, catalogUrl: string): string {
  return `upstreams:
  - name: rl
    url: ${url}
  - name: cat
    url: ${catalogUrl}
${oldStdioUpstreamYaml()}`;
}

function sessionOf(client: Client): string {
  return (client.transport as { sessionId?: string } | undefined)?.sessionId ?? "";
}

/** A raw POST of `body` naming session `id`, as `key`, to `gateway`. */
async function postInSession(gateway: Gateway, key: string, id: string, body: unknown) {
  const response = await fetch(gateway.mcpUrl, {
    method: "POST",
    headers: {
      authorization: `Bearer ${key}`,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-session-id": id,
      "mcp-protocol-version": LEGACY,
    },
    body: JSON.stringify(body),
  });
  return { status: response.status, text: await response.text() };
}

redisTest("2025 sessions: any instance serves any request of a session", async (t) => {
  const prefix = testPrefix("sessions");
  // Why: deletes what the gateways left under the prefix (an ended session's key) at the end.
  await using _cleanup = openTestRedis(prefix);
  await using upstream = startRelayUpstream();
  await using catalog = startCatalogUpstream();
  const dataDir = await Deno.makeTempDir({ prefix: "nexus-e2e-sessions-" });
  try {
    const alice = await createClientKey("alice", { NEXUS_DATA_DIR: dataDir });
    const bob = await createClientKey("bob", { NEXUS_DATA_DIR: dataDir });
    const env = clusterEnv({ prefix, dataDir });
    await using tools = await createGatewayToolsDir({
      "relay.yaml": upstreamsYaml(upstream.url, catalog.url),
    });
    await using a = await startGateway({ toolsDir: tools.dir, env });
    await using b = await startGateway({ toolsDir: tools.dir, env });
    await Promise.all([sessionChannelReady(a), sessionChannelReady(b)]);
    const seen: string[] = [];
    await using client = await connect(LEGACY, a.mcpUrl, {
      fetch: splitFetch(alice, a, b, seen),
      client: { capabilities: { elicitation: { form: {} } } },
    });
    client.setRequestHandler("elicitation/create", () => ({
      action: "accept",
      content: { ok: true },
    }));
    const id = sessionOf(client);
    assert.match(id, /^s1\.1\./, "a 2025 client that can answer input requests has a session");

    for (const prefix of ["rl", "old"]) {
      await t.step(
        `${prefix} upstream: the elicitation answer sent to B completes the call on A`,
        async () => {
          const answers = seen.filter((entry) => entry === "B:answer").length;
          const result = await client.callTool({ name: `${prefix}_confirm`, arguments: {} }, {
            timeout: 15_000,
          });
          assert.equal(textOf(result), 'answer: accept {"ok":true}');
          assert.equal(seen.filter((entry) => entry === "B:answer").length, answers + 1);
        },
      );
    }

    await t.step("the session id opened on B serves tools/list there", async () => {
      const listed = await postInSession(b, alice, id, {
        jsonrpc: "2.0",
        id: 1,
        method: "tools/list",
        params: {},
      });
      assert.equal(listed.status, 200);
      assert.match(listed.text, /"rl_confirm"/);
    });

    await t.step("another principal using the id gets 404 -32001 on either instance", async () => {
      for (const gateway of [a, b]) {
        const stolen = await postInSession(gateway, bob, id, {
          jsonrpc: "2.0",
          id: 1,
          method: "tools/list",
          params: {},
        });
        assert.equal(stolen.status, 404);
        assert.equal(JSON.parse(stolen.text).error.code, -32001);
        const unknown = await postInSession(gateway, bob, `${id.slice(0, -4)}AAAA`, {
          jsonrpc: "2.0",
          id: 1,
          method: "tools/list",
          params: {},
        });
        assert.deepEqual([unknown.status, unknown.text], [stolen.status, stolen.text]);
      }
    });

    await t.step(
      "a cancellation sent to B reaches the HTTP upstream of the call on A",
      async () => {
        const before = upstream.cancelled().length;
        const controller = new AbortController();
        const call = client.callTool({ name: "rl_wait", arguments: {} }, {
          signal: controller.signal,
        });
        setTimeout(() => controller.abort(), 300);
        await assert.rejects(call);
        const cancelled = await waitUntil(() => upstream.cancelled().length > before, 10_000);
        assert.ok(cancelled, `the upstream never saw the cancellation: ${seen.join(",")}`);
        assert.ok(seen.includes("B:notifications/cancelled"), seen.join(","));
      },
    );

    await t.step(
      "a cancellation sent to B reaches the 2025 stdio upstream of the call on A",
      async () => {
        // Why A's log: the stdio fixture writes "fixture cancelled wait" to its stderr on
        // notifications/cancelled, and A supervises that child.
        const cancels = () =>
          a.stderrLines().filter((line) => line.includes("fixture cancelled wait")).length;
        const before = cancels();
        const controller = new AbortController();
        const call = client.callTool({ name: "old_wait", arguments: {} }, {
          signal: controller.signal,
        });
        setTimeout(() => controller.abort(), 300);
        await assert.rejects(call);
        assert.ok(
          await waitUntil(() => cancels() > before, 10_000),
          "the stdio upstream saw no cancel",
        );
      },
    );

    await t.step(
      "a resources/subscribe taken by A reaches the client's GET stream on B",
      async () => {
        const updates: string[] = [];
        client.setNotificationHandler("notifications/resources/updated", (notification) => {
          updates.push(notification.params.uri);
        });
        assert.ok(seen.includes("B:GET"), `the GET stream is on B: ${seen.join(",")}`);
        const uri = "fixture://readme";
        await client.subscribeResource({ uri });
        assert.ok(seen.includes("A:resources/subscribe"), seen.join(","));
        catalog.touch(uri, "changed");
        assert.ok(await waitUntil(() => updates.length > 0, 15_000), "no resources/updated on B");
        assert.deepEqual(updates, [uri]);
      },
    );

    await t.step("a DELETE sent to B ends the session on A", async () => {
      const deleted = await fetch(b.mcpUrl, {
        method: "DELETE",
        headers: { authorization: `Bearer ${alice}`, "mcp-session-id": id },
      });
      await deleted.body?.cancel();
      assert.equal(deleted.status, 200);
      const after = await postInSession(a, alice, id, { jsonrpc: "2.0", id: 2, method: "ping" });
      assert.equal(after.status, 404);
    });
  } finally {
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
});
