/**
 * Task status notifications of the tasks extension (2026-07-28 `notifications/tasks`) relayed end
 * to end: a real gateway (subprocess) fronting the SDK v2 tasks upstream, whose listen for task ids
 * is written by hand (the SDK's drops `taskIds`). A 2026-07-28 client's `subscriptions/listen`
 * naming its gateway task id is acknowledged with that id, and the upstream's notifications reach
 * its stream under the gateway's id, for a raw client and for a real SDK v2 client; another
 * principal naming the id is not honoured and its own stream never carries them.
 */

import assert from "node:assert/strict";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { z } from "zod";
import { bearerFetch } from "../_support/auth_fixtures.ts";
import { eraOptions, rpcBody, rpcHeaders, waitUntil } from "../_support/gateway.ts";
import {
  ASK,
  REPORT_RESULT,
  startTasksUpstream,
  TASKS_STDIO_TOOL_FILE,
} from "../_support/tasks_upstream.ts";
import { startKeyedGateway } from "../_support/keyed_gateway.ts";
import { DECLARING_TASKS as DECLARING, taskRpcClient } from "../_support/task_rpc.ts";
import { takeSseMessages } from "../_support/sse.ts";

const MODERN = "2026-07-28";
const TASKS = "io.modelcontextprotocol/tasks";

type Message = Record<string, unknown>;

/** An open listen stream: its messages are read on demand, in order. */
interface Listen {
  response: Response;
  next(match: (message: Message) => boolean): Promise<Message | undefined>;
  seen: Message[];
  close(): Promise<void>;
}

async function openListen(
  mcpUrl: string,
  token: string,
  notifications: Record<string, unknown>,
  meta: Record<string, unknown> = DECLARING,
): Promise<Listen> {
  const message = {
    id: 900,
    method: "subscriptions/listen",
    params: { notifications, _meta: meta },
  };
  const response = await bearerFetch(token)(mcpUrl, {
    method: "POST",
    headers: rpcHeaders(MODERN, message),
    body: JSON.stringify(rpcBody(MODERN, message)),
  });
  const seen: Message[] = [];
  if (!(response.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
    return { response, seen, next: () => Promise.resolve(undefined), close: async () => {} };
  }
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  const queue: Message[] = [];
  async function next(match: (message: Message) => boolean): Promise<Message | undefined> {
    const deadline = setTimeout(() => void reader.cancel(), 10_000);
    try {
      while (true) {
        const found = queue.shift();
        if (found !== undefined) {
          if (match(found)) return found;
          continue;
        }
        const { done, value } = await reader.read();
        if (done) return undefined;
        const { messages, rest } = takeSseMessages(buffered + value);
        buffered = rest;
        seen.push(...messages);
        queue.push(...messages);
      }
    } finally {
      clearTimeout(deadline);
    }
  }
  return { response, seen, next, close: () => reader.cancel().catch(() => {}) };
}

const isAck = (message: Message) => message.method === "notifications/subscriptions/acknowledged";
const isTaskStatus = (status: string) => (message: Message) =>
  message.method === "notifications/tasks" && (message.params as Message).status === status;

Deno.test("tasks extension: notifications/tasks reach the owner's listen under the gateway id, never another principal", async () => {
  await using upstream = startTasksUpstream();
  await using setup = await startKeyedGateway({
    "tasks_upstream.yaml": `upstreams:\n  - name: tk\n    url: ${upstream.url}\n`,
  }, { prefix: "nexus-e2e-tasks-notify-", clients: ["alice", "bob"] });
  const { gateway, keys: { alice, bob } } = setup;
  const asAlice = taskRpcClient(gateway.mcpUrl, alice);
  const asBob = taskRpcClient(gateway.mcpUrl, bob);
  const created = await asAlice("tools/call", { name: "tk_ask", _meta: DECLARING });
  const taskId = String((created.result as Message).taskId);
  const bobs = await asBob("tools/call", { name: "tk_ask", _meta: DECLARING });
  const bobTaskId = String((bobs.result as Message).taskId);

  // A listen naming task ids without declaring the extension: -32021.
  const undeclared = await openListen(gateway.mcpUrl, alice, { taskIds: [taskId] }, {});
  const refused = await undeclared.response.json();
  assert.equal(refused.error?.code, -32021, JSON.stringify(refused));

  const listen = await openListen(gateway.mcpUrl, alice, { taskIds: [taskId] });
  assert.equal(listen.response.status, 200);
  const ack = await listen.next(isAck);
  assert.deepEqual((ack?.params as { notifications: unknown }).notifications, {
    taskIds: [taskId],
  });
  // Bob names Alice's task besides his own: only his own is honoured.
  const bobListen = await openListen(gateway.mcpUrl, bob, { taskIds: [taskId, bobTaskId] });
  const bobAck = await bobListen.next(isAck);
  assert.deepEqual((bobAck?.params as { notifications: unknown }).notifications, {
    taskIds: [bobTaskId],
  });
  assert.ok(await waitUntil(() => upstream.listened().length === 2), "the upstream was asked");
  assert.ok(upstream.listened().every((ids) => ids.length === 1 && /^up-/.test(ids[0]!)));

  // The upstream's status changes reach Alice's stream, with the gateway's id.
  await asAlice("tasks/get", { taskId });
  const waiting = await listen.next(isTaskStatus("input_required"));
  assert.ok(waiting, "no input_required notification on the owner's stream");
  const waitingParams = waiting.params as Message;
  assert.equal(waitingParams.taskId, taskId);
  assert.deepEqual(waitingParams.inputRequests, { confirm: ASK });
  assert.equal((waitingParams._meta as Message)["io.modelcontextprotocol/subscriptionId"], 900);
  const answer = { confirm: { action: "accept", content: { ok: true } } };
  await asAlice("tasks/update", { taskId, inputResponses: answer });
  const done = await listen.next(isTaskStatus("completed"));
  assert.ok(done, "no completed notification on the owner's stream");
  assert.equal((done.params as Message).taskId, taskId);
  assert.deepEqual((done.params as Message).result, {
    content: [{ type: "text", text: `answered: ${JSON.stringify(answer)}` }],
  });
  assert.ok(!JSON.stringify(listen.seen).includes("up-"), "the upstream's id never shows");

  // Bob's own task's notification comes after Alice's: none of hers came before it.
  await asBob("tasks/get", { taskId: bobTaskId });
  const bobStatus = await bobListen.next(isTaskStatus("input_required"));
  assert.equal((bobStatus?.params as Message).taskId, bobTaskId);
  assert.ok(!JSON.stringify(bobListen.seen).includes(taskId), "Alice's task on Bob's stream");
  await listen.close();
  await bobListen.close();
});

Deno.test("tasks extension: a real SDK v2 client hears notifications/tasks on its listen", async () => {
  await using upstream = startTasksUpstream();
  await using setup = await startKeyedGateway({
    "tasks_upstream.yaml": `upstreams:\n  - name: tk\n    url: ${upstream.url}\n`,
  }, { prefix: "nexus-e2e-tasks-notify-sdk-", clients: ["alice"] });
  const { gateway, keys: { alice } } = setup;
  const asAlice = taskRpcClient(gateway.mcpUrl, alice);
  const created = await asAlice("tools/call", { name: "tk_report", _meta: DECLARING });
  const taskId = String((created.result as Message).taskId);

  const client = new Client(
    { name: "nexus-e2e-tasks", version: "1.0.0" },
    eraOptions(MODERN, { capabilities: { extensions: { [TASKS]: {} } } as never }),
  );
  const heard: Message[] = [];
  client.setNotificationHandler(
    "notifications/tasks",
    { params: z.looseObject({ taskId: z.string(), status: z.string() }) },
    (params) => void heard.push(params),
  );
  await client.connect(
    new StreamableHTTPClientTransport(new URL(gateway.mcpUrl), { fetch: bearerFetch(alice) }),
  );
  try {
    assert.equal(client.getNegotiatedProtocolVersion(), MODERN);
    const subscription = await client.listen({ taskIds: [taskId] } as never);
    for (let round = 0; round < 2; round++) await asAlice("tasks/get", { taskId });
    assert.ok(
      await waitUntil(() => heard.some((params) => params.status === "completed")),
      "the SDK client heard no completed notification",
    );
    const completed = heard.find((params) => params.status === "completed")!;
    assert.equal(completed.taskId, taskId);
    assert.deepEqual((completed.result as Message).structuredContent, { pages: 3 });
    await subscription.close();
  } finally {
    await client.close();
  }
});

Deno.test("tasks extension: notifications/tasks from a stdio upstream reach the owner's listen", async () => {
  await using setup = await startKeyedGateway({
    "tasks_stdio.yaml": TASKS_STDIO_TOOL_FILE,
  }, { prefix: "nexus-e2e-tasks-notify-stdio-", clients: ["alice"] });
  const { gateway, keys: { alice } } = setup;
  const asAlice = taskRpcClient(gateway.mcpUrl, alice);
  const created = await asAlice("tools/call", { name: "ts_report", _meta: DECLARING });
  const taskId = String((created.result as Message).taskId);
  const listen = await openListen(gateway.mcpUrl, alice, {
    taskIds: [taskId],
    toolsListChanged: true,
  });
  const ack = await listen.next(isAck);
  assert.deepEqual((ack?.params as { notifications: unknown }).notifications, {
    toolsListChanged: true,
    taskIds: [taskId],
  });
  for (let round = 0; round < 2; round++) await asAlice("tasks/get", { taskId });
  const done = await listen.next(isTaskStatus("completed"));
  assert.ok(done, "no completed notification from the stdio upstream");
  assert.equal((done.params as Message).taskId, taskId);
  assert.deepEqual((done.params as Message).result, REPORT_RESULT);
  assert.ok(!JSON.stringify(listen.seen).includes("up-"), "the upstream's id never shows");
  await listen.close();
});
