/**
 * 2025-11-25 core tasks relayed end to end: a real gateway (subprocess) fronting an SDK v2
 * 2025-only upstream that declares `tasks.requests.tools.call`. A 2025 client's task-augmented
 * `tools/call` reaches the upstream with its `task` request and comes back as a CreateTaskResult
 * under a gateway task id; `tasks/get`, `tasks/result` and `tasks/cancel` go back to the upstream
 * with its own id; another principal finds nothing; a tool of an upstream without tasks answers at
 * once.
 */

import assert from "node:assert/strict";
import { bearerFetch } from "../_support/auth_fixtures.ts";
import { CORE_REPORT, startCoreTasksUpstream } from "../_support/core_tasks_upstream.ts";
import { readRpcResponse, rpcHeaders } from "../_support/gateway.ts";
import { startRelayUpstream } from "../_support/relay_fixture_server.ts";
import { startKeyedGateway } from "../_support/keyed_gateway.ts";
import { takeSseMessages } from "../_support/sse.ts";

const LEGACY = "2025-11-25";
const RELATED = "io.modelcontextprotocol/related-task";

type Rpc = (method: string, params: Record<string, unknown>) => Promise<Record<string, unknown>>;

/** A raw 2025 client served statelessly (it declares nothing a session is given for). */
function legacyClient(mcpUrl: string, token: string): Rpc {
  let id = 0;
  const authed = bearerFetch(token);
  return async (method, params) => {
    const message = { jsonrpc: "2.0", id: ++id, method, params };
    const response = await authed(mcpUrl, {
      method: "POST",
      headers: rpcHeaders(LEGACY, message),
      body: JSON.stringify(message),
    });
    return await readRpcResponse(response);
  };
}

function resultOf(message: Record<string, unknown>): Record<string, unknown> {
  assert.equal(message.error, undefined, JSON.stringify(message));
  return message.result as Record<string, unknown>;
}

Deno.test("2025-11-25 core tasks: created, polled, result fetched, cancelled, bound to the principal", async () => {
  await using upstream = startCoreTasksUpstream();
  await using plainUpstream = startRelayUpstream();
  await using setup = await startKeyedGateway({
    "core.yaml":
      `upstreams:\n  - name: ct\n    url: ${upstream.url}\n  - name: rl\n    url: ${plainUpstream.url}\n`,
  }, { prefix: "nexus-e2e-core-tasks-", clients: ["alice", "bob"] });
  const { gateway, keys: { alice, bob } } = setup;
  const asAlice = legacyClient(gateway.mcpUrl, alice);
  const asBob = legacyClient(gateway.mcpUrl, bob);

  const init = resultOf(
    await asAlice("initialize", {
      protocolVersion: LEGACY,
      capabilities: {},
      clientInfo: { name: "core-tasks-e2e", version: "1.0.0" },
    }),
  );
  const capabilities = init.capabilities as { tasks?: Record<string, unknown> };
  assert.deepEqual(capabilities.tasks, { cancel: {}, requests: { tools: { call: {} } } });
  const listed = resultOf(await asAlice("tools/list", {})).tools as Array<
    { name: string; execution?: unknown }
  >;
  assert.deepEqual(listed.find((tool) => tool.name === "ct_report")?.execution, {
    taskSupport: "optional",
  });

  const created = resultOf(
    await asAlice("tools/call", { name: "ct_report", arguments: {}, task: { ttl: 60_000 } }),
  );
  const task = created.task as Record<string, unknown>;
  assert.equal(task.status, "working", JSON.stringify(created));
  assert.equal(task.ttl, 60_000);
  const taskId = String(task.taskId);
  assert.match(taskId, /^nexus\.task\.1\.[A-Za-z0-9_-]+\.[0-9a-f]{32}$/);
  assert.deepEqual(upstream.taskRequests(), [{ ttl: 60_000 }]);

  const stolen = await asBob("tasks/get", { taskId });
  assert.equal((stolen.error as { code: number }).code, -32602, JSON.stringify(stolen));

  let polled: Record<string, unknown> = {};
  for (let round = 0; round < 5 && polled.status !== "completed"; round++) {
    polled = resultOf(await asAlice("tasks/get", { taskId }));
    assert.equal(polled.taskId, taskId);
  }
  assert.equal(polled.status, "completed");
  const payload = resultOf(await asAlice("tasks/result", { taskId }));
  assert.deepEqual(payload.content, CORE_REPORT.content);
  assert.deepEqual(payload.structuredContent, CORE_REPORT.structuredContent);
  assert.deepEqual((payload._meta as Record<string, unknown>)[RELATED], { taskId });

  const second = resultOf(
    await asAlice("tools/call", { name: "ct_report", arguments: {}, task: {} }),
  );
  const secondId = String((second.task as Record<string, unknown>).taskId);
  assert.ok((await asBob("tasks/cancel", { taskId: secondId })).error !== undefined);
  assert.deepEqual(upstream.cancelled(), []);
  const cancelled = resultOf(await asAlice("tasks/cancel", { taskId: secondId }));
  assert.equal(cancelled.status, "cancelled");
  assert.equal(cancelled.taskId, secondId);
  assert.equal(upstream.cancelled().length, 1);
  assert.match(upstream.cancelled()[0]!, /^up-/);

  // Without a task request, and at an upstream without tasks: answered at once.
  const plain = resultOf(await asAlice("tools/call", { name: "ct_report", arguments: {} }));
  assert.deepEqual(plain.content, CORE_REPORT.content);
  assert.equal(plain.task, undefined);
  const untasked = resultOf(
    await asAlice("tools/call", { name: "rl_progress", arguments: { steps: 1 }, task: {} }),
  );
  assert.equal(untasked.task, undefined, JSON.stringify(untasked));
  assert.deepEqual(untasked.content, [{ type: "text", text: "done 1 without token" }]);
  assert.equal(upstream.taskRequests().length, 2);
});

/** Reads SSE `message` events from `response` until one satisfies `match` (or the deadline). */
async function readUntil(
  response: Response,
  match: (message: Record<string, unknown>) => boolean,
  timeoutMs = 10_000,
): Promise<Record<string, unknown> | undefined> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const deadline = setTimeout(() => void reader.cancel(), timeoutMs);
  let buffered = "";
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) return undefined;
      const { messages, rest } = takeSseMessages(buffered + value);
      buffered = rest;
      const found = messages.find(match);
      if (found !== undefined) return found;
    }
  } finally {
    clearTimeout(deadline);
    await reader.cancel().catch(() => {});
  }
}

Deno.test("2025-11-25 task status notifications reach the owner's GET stream under the gateway id", async () => {
  await using upstream = startCoreTasksUpstream();
  await using setup = await startKeyedGateway({
    "core.yaml": `upstreams:\n  - name: ct\n    url: ${upstream.url}\n`,
  }, { prefix: "nexus-e2e-core-tasks-notify-", clients: ["alice"] });
  const { gateway, keys: { alice } } = setup;
  const asAlice = legacyClient(gateway.mcpUrl, alice);
  const stream = await bearerFetch(alice)(gateway.mcpUrl, {
    method: "GET",
    headers: { accept: "text/event-stream", "mcp-protocol-version": LEGACY },
  });
  assert.equal(stream.status, 200);

  const created = resultOf(
    await asAlice("tools/call", { name: "ct_report", arguments: {}, task: {} }),
  );
  const taskId = String((created.task as Record<string, unknown>).taskId);
  const seen = readUntil(
    stream,
    (message) =>
      message.method === "notifications/tasks/status" &&
      (message.params as Record<string, unknown>).status === "completed",
  );
  for (let round = 0; round < 2; round++) await asAlice("tasks/get", { taskId });
  const notification = await seen;
  assert.ok(notification, "no task status notification on the client's stream");
  assert.deepEqual(upstream.notified().map((line) => line.split(" ")[1]), ["completed"]);
  const params = notification.params as Record<string, unknown>;
  assert.equal(params.taskId, taskId, "the gateway's task id, never the upstream's");
  assert.ok(!JSON.stringify(notification).includes("up-"));
});

/** A raw 2025 client in a session: its `initialize` declares elicitation, which gets it one. */
async function sessionClient(mcpUrl: string, token: string): Promise<{ rpc: Rpc; id: string }> {
  const authed = bearerFetch(token);
  const init = {
    jsonrpc: "2.0",
    id: 0,
    method: "initialize",
    params: {
      protocolVersion: LEGACY,
      capabilities: { elicitation: {} },
      clientInfo: { name: "core-tasks-session-e2e", version: "1.0.0" },
    },
  };
  const opened = await authed(mcpUrl, {
    method: "POST",
    headers: rpcHeaders(LEGACY, init),
    body: JSON.stringify(init),
  });
  const id = opened.headers.get("mcp-session-id");
  await opened.body?.cancel();
  assert.ok(id, "the client got no session");
  let next = 0;
  const rpc: Rpc = async (method, params) => {
    const message = { jsonrpc: "2.0", id: ++next, method, params };
    const response = await authed(mcpUrl, {
      method: "POST",
      headers: { ...rpcHeaders(LEGACY, message), "mcp-session-id": id },
      body: JSON.stringify(message),
    });
    return await readRpcResponse(response);
  };
  return { rpc, id };
}

Deno.test("2025-11-25 task status notifications reach a session client's GET stream, not another principal's", async () => {
  await using upstream = startCoreTasksUpstream();
  await using setup = await startKeyedGateway({
    "core.yaml": `upstreams:\n  - name: ct\n    url: ${upstream.url}\n`,
  }, { prefix: "nexus-e2e-core-tasks-session-", clients: ["alice", "bob"] });
  const { gateway, keys: { alice, bob } } = setup;
  const streamOf = (token: string, session: string) =>
    bearerFetch(token)(gateway.mcpUrl, {
      method: "GET",
      headers: {
        accept: "text/event-stream",
        "mcp-protocol-version": LEGACY,
        "mcp-session-id": session,
      },
    });
  const asAlice = await sessionClient(gateway.mcpUrl, alice);
  const asBob = await sessionClient(gateway.mcpUrl, bob);
  const aliceStream = await streamOf(alice, asAlice.id);
  const bobStream = await streamOf(bob, asBob.id);
  assert.equal(aliceStream.status, 200);
  assert.equal(bobStream.status, 200);

  const created = resultOf(
    await asAlice.rpc("tools/call", { name: "ct_report", arguments: {}, task: {} }),
  );
  const taskId = String((created.task as Record<string, unknown>).taskId);
  const seen = readUntil(
    aliceStream,
    (message) =>
      message.method === "notifications/tasks/status" &&
      (message.params as Record<string, unknown>).status === "completed",
  );
  for (let round = 0; round < 2; round++) await asAlice.rpc("tasks/get", { taskId });
  const notification = await seen;
  assert.ok(notification, "no task status notification on the session's GET stream");
  assert.equal((notification.params as Record<string, unknown>).taskId, taskId);

  // Bob's own task's notification comes after Alice's: his stream carried none of hers.
  const bobs = resultOf(
    await asBob.rpc("tools/call", { name: "ct_report", arguments: {}, task: {} }),
  );
  const bobTaskId = String((bobs.task as Record<string, unknown>).taskId);
  const bobSeen: Array<Record<string, unknown>> = [];
  const bobDone = readUntil(bobStream, (message) => {
    bobSeen.push(message);
    return message.method === "notifications/tasks/status" &&
      (message.params as Record<string, unknown>).status === "completed";
  });
  for (let round = 0; round < 2; round++) await asBob.rpc("tasks/get", { taskId: bobTaskId });
  const bobNotification = await bobDone;
  assert.equal((bobNotification?.params as Record<string, unknown>).taskId, bobTaskId);
  assert.ok(!JSON.stringify(bobSeen).includes(taskId), "Alice's task on Bob's stream");
});
