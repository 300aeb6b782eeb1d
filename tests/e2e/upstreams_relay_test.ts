/**
 * What an upstream sends during a call reaches the client that made it, through the real gateway
 * (a subprocess), with real SDK v2 clients of both eras: progress, log messages, cancellation
 * (the upstream sees it), and input requests (elicitation, roots) from a 2026-07-28 HTTP upstream
 * (`input_required` relayed) and from a 2025-only stdio upstream (its request parked, answered by
 * the client's retry).
 */

import assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/client";
import { gatewayStdioTransport } from "../_support/gateway_stdio.ts";
import { bearerFetch, connectAs, createClientKey } from "../_support/auth_fixtures.ts";
import {
  connect,
  createGatewayToolsDir,
  type Era,
  eraOptions,
  ERAS,
  startGateway,
  waitUntil,
} from "../_support/gateway.ts";
import { oldStdioUpstreamYaml, startRelayUpstream } from "../_support/relay_fixture_server.ts";
import { textOf } from "../_support/tool_text.ts";

const MODERN: Era = "2026-07-28";
const LEGACY: Era = "2025-11-25";
const LOG_LEVEL_KEY = "io.modelcontextprotocol/logLevel";

/** How many times the stdio fixture reported a cancelled `wait` (its stderr, in the gateway log). */
function stdioCancels(lines: string[]): number {
  return lines.filter((line) => line.includes("fixture cancelled wait")).length;
}

function sessionOf(client: Client): string | undefined {
  return (client.transport as { sessionId?: string } | undefined)?.sessionId;
}

function upstreamsYaml(url: string, legacyUrl: string): string {
  return `upstreams:
  - name: rl
    url: ${url}
  - name: leg
    url: ${legacyUrl}
${oldStdioUpstreamYaml()}`;
}

/** A client that answers elicitations with `{ ok: true }` and lists one root. */
async function interactiveClient(
  era: Era,
  url: string,
  key: string,
): Promise<Client & AsyncDisposable> {
  const client = await connect(era, url, {
    fetch: bearerFetch(key),
    client: { capabilities: { elicitation: { form: {} }, roots: {}, sampling: {} } },
  });
  client.setRequestHandler(
    "elicitation/create",
    () => ({ action: "accept", content: { ok: true } }),
  );
  client.setRequestHandler("roots/list", () => ({ roots: [{ uri: "file:///work/project" }] }));
  client.setRequestHandler("sampling/createMessage", () => ({
    role: "assistant",
    content: { type: "text", text: "hi there" },
    model: "test-model",
  }));
  return client;
}

Deno.test("relay: progress, logs, cancellation and input requests reach the calling client", async (t) => {
  await using upstream = startRelayUpstream();
  await using legacyUpstream = startRelayUpstream({ legacySessions: true });
  const dataDir = await Deno.makeTempDir({ prefix: "nexus-e2e-relay-" });
  try {
    const env = { NEXUS_DATA_DIR: dataDir };
    const key = await createClientKey("alice", env);
    await using tools = await createGatewayToolsDir({
      "relay.yaml": upstreamsYaml(upstream.url, legacyUpstream.url),
    });
    await using gateway = await startGateway({ toolsDir: tools.dir, env });

    for (const era of ERAS) {
      for (const prefix of ["rl", "old"]) {
        await t.step(
          `${era} client, ${prefix} upstream: progress on the call's stream`,
          async () => {
            await using client = await connectAs(era, gateway.mcpUrl, key);
            const seen: Array<{ progress: number; total?: number; message?: string }> = [];
            const result = await client.callTool({
              name: `${prefix}_progress`,
              arguments: { steps: 3 },
            }, { onprogress: (progress) => seen.push(progress) });
            assert.equal(textOf(result), "done 3");
            assert.deepEqual(seen.map((p) => [p.progress, p.total, p.message]), [
              [1, 3, "step 1"],
              [2, 3, "step 2"],
              [3, 3, "step 3"],
            ]);
            const plain = await client.callTool({
              name: `${prefix}_progress`,
              arguments: { steps: 1 },
            });
            assert.equal(textOf(plain), "done 1 without token");
          },
        );

        await t.step(`${era} client, ${prefix} upstream: log messages of the call`, async () => {
          await using client = await connectAs(era, gateway.mcpUrl, key);
          const logs: unknown[] = [];
          client.setNotificationHandler("notifications/message", (n) => void logs.push(n.params));
          const text = `hello-${era}-${prefix}`;
          const result = await client.callTool({
            name: `${prefix}_log`,
            arguments: { text },
            // Why: a 2026-07-28 client opts in to logs by naming its level on the request.
            ...(era === MODERN ? { _meta: { [LOG_LEVEL_KEY]: "info" } } : {}),
          });
          assert.equal(textOf(result), "logged");
          assert.deepEqual(logs, [{ level: "info", logger: "fixture", data: text }]);
        });

        await t.step(`${era} client, ${prefix} upstream: elicitation round trip`, async () => {
          await using client = await interactiveClient(era, gateway.mcpUrl, key);
          const result = await client.callTool({
            name: `${prefix}_confirm`,
            arguments: { question: "Deploy?" },
          });
          assert.equal(textOf(result), 'answer: accept {"ok":true}');
        });
      }
    }

    for (const era of ERAS) {
      await t.step(`${era} client: roots and sampling requested by either upstream`, async () => {
        await using client = await interactiveClient(era, gateway.mcpUrl, key);
        for (const prefix of ["rl", "old"]) {
          const result = await client.callTool({ name: `${prefix}_roots`, arguments: {} });
          assert.equal(textOf(result), "roots: file:///work/project");
          const sampled = await client.callTool({ name: `${prefix}_sample`, arguments: {} });
          assert.equal(textOf(sampled), "sampled: hi there");
        }
      });
    }

    await t.step(
      "a 2025 HTTP upstream's concurrent input requests each reach their own client",
      async () => {
        const connected = gateway.stderrLines().find((line) =>
          line.includes("Upstream connected") && line.includes('"upstream":"leg"')
        );
        assert.match(connected ?? "", /"protocolVersion":"2025-11-25"/);
        const answers = ["first", "second", "third"];
        const clients = await Promise.all(answers.map(async (answer, index) => {
          const era = index === 1 ? LEGACY : MODERN;
          const client = await connect(era, gateway.mcpUrl, {
            fetch: bearerFetch(key),
            client: { capabilities: { elicitation: { form: {} } } },
          });
          client.setRequestHandler("elicitation/create", async (request) => {
            // Why a pause: every call is in flight upstream before any is answered.
            await new Promise((resolve) => setTimeout(resolve, 200));
            return {
              action: "accept",
              content: { ok: true, who: `${answer}:${request.params.message}` },
            };
          });
          return client;
        }));
        try {
          const results = await Promise.all(
            clients.map((client, index) =>
              client.callTool({ name: "leg_confirm", arguments: { question: `q${index}` } })
            ),
          );
          assert.deepEqual(results.map(textOf), [
            'answer: accept {"ok":true,"who":"first:q0"}',
            'answer: accept {"ok":true,"who":"second:q1"}',
            'answer: accept {"ok":true,"who":"third:q2"}',
          ]);
          const logs: unknown[] = [];
          clients[1]!.setNotificationHandler(
            "notifications/message",
            (n) => void logs.push(n.params),
          );
          const seen: number[] = [];
          await Promise.all([
            clients[0]!.callTool({ name: "leg_progress", arguments: { steps: 2 } }),
            clients[1]!.callTool({ name: "leg_log", arguments: { text: "mine" } }),
            clients[1]!.callTool({ name: "leg_progress", arguments: { steps: 2 } }, {
              onprogress: (p) => seen.push(p.progress),
            }),
          ]);
          assert.deepEqual(logs, [{ level: "info", logger: "fixture", data: "mine" }]);
          assert.deepEqual(seen, [1, 2]);
        } finally {
          await Promise.all(clients.map((client) => client.close()));
        }
      },
    );

    await t.step("2026-07-28 client: its log level reaches a 2026-07-28 upstream", async () => {
      await using client = await connectAs(MODERN, gateway.mcpUrl, key);
      const logs: unknown[] = [];
      client.setNotificationHandler("notifications/message", (n) => void logs.push(n.params));
      for (const level of ["info", "debug", undefined]) {
        await client.callTool({
          name: "rl_leveled",
          arguments: { text: String(level) },
          ...(level === undefined ? {} : { _meta: { [LOG_LEVEL_KEY]: level } }),
        });
      }
      assert.deepEqual(logs.map((log) => (log as { data: string }).data), [
        "info info",
        "debug debug",
        "info debug",
      ]);
    });

    await t.step("2025-11-25 client: a 2026-07-28 upstream's logs, at its level", async () => {
      // Why: the 2026-07-28 upstream logs only for a level named on the call; a 2025 client names
      // none (all messages, by default), or sets one for its session with logging/setLevel.
      await using plain = await connectAs(LEGACY, gateway.mcpUrl, key);
      const logs: string[] = [];
      plain.setNotificationHandler(
        "notifications/message",
        (n) => void logs.push(`${n.params.data}`),
      );
      await plain.callTool({ name: "rl_leveled", arguments: { text: "plain" } });
      assert.deepEqual(logs, ["debug plain", "info plain"]);
      await using session = await interactiveClient(LEGACY, gateway.mcpUrl, key);
      assert.ok(sessionOf(session), "a 2025 client that can answer input requests has a session");
      const sessionLogs: string[] = [];
      session.setNotificationHandler(
        "notifications/message",
        (n) => void sessionLogs.push(`${n.params.data}`),
      );
      await session.setLoggingLevel("info");
      await session.callTool({ name: "rl_leveled", arguments: { text: "session" } });
      assert.deepEqual(sessionLogs, ["info session"]);
    });

    await t.step("a log message with several calls in flight goes to the gateway log", async () => {
      // Why a session client: its cancellation of the waiting call must reach the upstream.
      await using client = await interactiveClient(LEGACY, gateway.mcpUrl, key);
      const logs: unknown[] = [];
      client.setNotificationHandler("notifications/message", (n) => void logs.push(n.params));
      const controller = new AbortController();
      const waiting = client.callTool({ name: "old_wait", arguments: {} }, {
        signal: controller.signal,
      }).catch(() => "cancelled");
      await new Promise((resolve) => setTimeout(resolve, 200));
      const text = `unattributed-${crypto.randomUUID()}`;
      await client.callTool({ name: "old_log", arguments: { text } });
      const before = stdioCancels(gateway.stderrLines());
      controller.abort();
      assert.equal(await waiting, "cancelled");
      // Why wait: the next steps need the waiting call gone from the upstream.
      assert.ok(await waitUntil(() => stdioCancels(gateway.stderrLines()) > before, 5_000));
      assert.deepEqual(logs, []);
      const logged = await waitUntil(() =>
        gateway.stderrLines().some((line) =>
          line.includes("Upstream log message") && line.includes(text) &&
          line.includes('"upstream":"old"')
        )
      );
      assert.ok(logged, "the unattributed log message is not in the gateway log");
    });

    await t.step("2025 sessions only for clients that can answer input requests", async () => {
      await using plain = await connectAs(LEGACY, gateway.mcpUrl, key);
      assert.equal(sessionOf(plain), undefined);
      await using interactive = await interactiveClient(LEGACY, gateway.mcpUrl, key);
      assert.match(sessionOf(interactive) ?? "", /^s1\.\d+\.[A-Za-z0-9_-]+$/);
      // A plain 2025 client cannot be asked: the upstream's request is refused, the call ends.
      const refused = await plain.callTool({ name: "old_confirm", arguments: {} });
      assert.equal(refused.isError, true);
      assert.match(textOf(refused), /elicitation/);
    });

    await t.step("a 2025 session is its principal's only", async () => {
      await using interactive = await interactiveClient(LEGACY, gateway.mcpUrl, key);
      const other = await createClientKey("bob", env);
      const response = await fetch(gateway.mcpUrl, {
        method: "POST",
        headers: {
          authorization: `Bearer ${other}`,
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          "mcp-session-id": sessionOf(interactive)!,
          "mcp-protocol-version": LEGACY,
        },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: {} }),
      });
      await response.body?.cancel();
      assert.equal(response.status, 404);
    });

    await t.step(
      "a client without the capability: the upstream's request is refused clearly",
      async () => {
        await using client = await connectAs(MODERN, gateway.mcpUrl, key);
        for (const prefix of ["old", "rl"]) {
          const result = await client.callTool({ name: `${prefix}_confirm`, arguments: {} })
            .catch((e) => e);
          const message = result instanceof Error ? result.message : textOf(result);
          // A 2025 upstream's request is refused by the gateway; a 2026-07-28 upstream is told
          // the client's own capabilities and refuses to ask itself.
          assert.match(message, /elicitation/, `${prefix}: ${message}`);
          assert.match(message, /did not declare|do not declare/, `${prefix}: ${message}`);
        }
      },
    );

    await t.step("2026-07-28 client cancels: the HTTP upstream sees it", async () => {
      await using client = await connectAs(MODERN, gateway.mcpUrl, key);
      const before = upstream.cancelled().length;
      const controller = new AbortController();
      const call = client.callTool({ name: "rl_wait", arguments: {} }, {
        signal: controller.signal,
      });
      setTimeout(() => controller.abort(), 300);
      await assert.rejects(call);
      const seen = await waitUntil(() => upstream.cancelled().length > before, 5_000);
      assert.ok(seen, "the upstream never saw the cancellation");
    });

    await t.step("2025 client with a session cancels: the HTTP upstream sees it", async () => {
      await using client = await interactiveClient(LEGACY, gateway.mcpUrl, key);
      const before = upstream.cancelled().length;
      const controller = new AbortController();
      const call = client.callTool({ name: "rl_wait", arguments: {} }, {
        signal: controller.signal,
      });
      setTimeout(() => controller.abort(), 300);
      await assert.rejects(call);
      const seen = await waitUntil(() => upstream.cancelled().length > before, 5_000);
      assert.ok(seen, "the upstream never saw the cancellation");
    });

    await t.step(
      "2026-07-28 client cancels: the stdio upstream sees notifications/cancelled",
      async () => {
        await using client = await connectAs(MODERN, gateway.mcpUrl, key);
        const before = stdioCancels(gateway.stderrLines());
        const controller = new AbortController();
        const call = client.callTool({ name: "old_wait", arguments: {} }, {
          signal: controller.signal,
        });
        setTimeout(() => controller.abort(), 300);
        await assert.rejects(call);
        const seen = await waitUntil(() => stdioCancels(gateway.stderrLines()) > before, 5_000);
        assert.ok(seen, "the stdio upstream never saw the cancellation");
      },
    );
  } finally {
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
});

Deno.test("relay over `nexus stdio`: a 2025 upstream's elicitation reaches clients of both eras", async (t) => {
  await using tools = await createGatewayToolsDir({
    "relay.yaml": `upstreams:
${oldStdioUpstreamYaml()}`,
  });
  const dataDir = await Deno.makeTempDir({ prefix: "nexus-e2e-relay-stdio-" });
  try {
    for (const era of ERAS) {
      await t.step(`${era} client`, async () => {
        const transport = gatewayStdioTransport({
          NEXUS_TOOLS_DIR: tools.dir,
          NEXUS_DATA_DIR: dataDir,
        });
        const client = new Client(
          { name: "nexus-e2e", version: "1.0.0" },
          eraOptions(era, { capabilities: { elicitation: { form: {} } } }),
        );
        client.setRequestHandler("elicitation/create", () => ({
          action: "accept",
          content: { ok: false },
        }));
        try {
          await client.connect(transport);
          const seen: number[] = [];
          const progress = await client.callTool(
            { name: "old_progress", arguments: { steps: 2 } },
            { onprogress: (p) => seen.push(p.progress) },
          );
          assert.equal(textOf(progress), "done 2");
          // Why a prefix: the gateway writes progress 2 before the result, but when both arrive in
          // one read the SDK 2.4.0 client settles the call first and drops the late progress (the
          // race the gateway avoids upstream by routing progress itself); 1 always arrives first.
          assert.deepEqual(seen, [1, 2].slice(0, Math.max(1, seen.length)));
          const result = await client.callTool({ name: "old_confirm", arguments: {} });
          assert.equal(textOf(result), 'answer: accept {"ok":false}');
        } finally {
          await client.close();
        }
      });
    }
  } finally {
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
});
