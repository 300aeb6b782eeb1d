/**
 * The stdio connection's task notifications, on a recording wire: a task listen's `taskIds` taken
 * out on the way in, its acknowledgement held until the upstream listens are made and then naming
 * the honoured ids, the upstream's notifications written under the gateway id with the listen's
 * subscription id, the upstream listen released on cancellation; -32021 without the extension;
 * 2025 task status to the owning principal only.
 */

import assert from "node:assert/strict";
import type { JSONRPCMessage, Transport } from "@modelcontextprotocol/server";
import type { Caller } from "../../lib/auth/mod.ts";
import { silentLogger } from "../../lib/log.ts";
import { createStdioTasks } from "../../lib/mcp/stdio_tasks.ts";
import { createTaskOwners } from "../../lib/mcp/task_owners.ts";
import type { buildSnapshot, ToolDefinition } from "../../lib/registry/mod.ts";
import { type UpstreamSubscriptions, writeTaskId } from "../../lib/upstreams/mod.ts";

const caller = { principal: { id: "stdio" }, server: "default" } as unknown as Caller;
const SUB = "io.modelcontextprotocol/subscriptionId";
const ENVELOPE = {
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientCapabilities": {
    extensions: { "io.modelcontextprotocol/tasks": {} },
  },
};
type Message = Record<string, unknown>;

function fixture() {
  const written: Message[] = [];
  const wire = {
    send(message: JSONRPCMessage) {
      written.push(message as Message);
      return Promise.resolve();
    },
  } as unknown as Transport;
  let acquired: () => void = () => {};
  const upstreamListens = new Map<string, number>();
  const subscriptions = {
    acquireTask(taskId: string) {
      upstreamListens.set(taskId, (upstreamListens.get(taskId) ?? 0) + 1);
      return new Promise<void>((resolve) => acquired = resolve);
    },
    releaseTask(taskId: string) {
      upstreamListens.set(taskId, upstreamListens.get(taskId)! - 1);
    },
  } as unknown as UpstreamSubscriptions;
  const tool = { name: "tk_t", tags: [], backend: { kind: "mcp", upstream: "tk" } };
  const snapshot = { tools: [tool as unknown as ToolDefinition] } as unknown as ReturnType<
    typeof buildSnapshot
  >;
  const owners = createTaskOwners();
  const tasks = createStdioTasks(wire, {
    caller,
    catalog: { subscriptions: () => subscriptions } as never,
    snapshot: () => snapshot,
    canUse: () => true,
    owners,
    logger: silentLogger,
  });
  return { tasks, written, upstreamListens, owners, acquire: () => acquired() };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

Deno.test("createStdioTasks() holds a task listen's ack until the upstream listens, then relays its notifications", async () => {
  const { tasks, written, upstreamListens, acquire } = fixture();
  const own = writeTaskId({ upstream: "tk", principal: "stdio", taskId: "up-1" });
  const other = writeTaskId({ upstream: "tk", principal: "alice", taskId: "up-2" });
  const listen = {
    jsonrpc: "2.0",
    id: "l1",
    method: "subscriptions/listen",
    params: { notifications: { taskIds: [own, other], toolsListChanged: true }, _meta: ENVELOPE },
  } as JSONRPCMessage;
  const passed = tasks.inbound(listen) as Message;
  assert.deepEqual((passed.params as Message).notifications, { toolsListChanged: true });
  assert.deepEqual([...upstreamListens], [["up-1", 1]], "only the caller's own task is listened");

  const ack = {
    jsonrpc: "2.0",
    method: "notifications/subscriptions/acknowledged",
    params: { notifications: { toolsListChanged: true }, _meta: { [SUB]: "l1" } },
  } as JSONRPCMessage;
  await tasks.outbound(ack);
  const change = {
    jsonrpc: "2.0",
    method: "notifications/tools/list_changed",
    params: { _meta: { [SUB]: "l1" } },
  } as JSONRPCMessage;
  const changeSent = tasks.outbound(change);
  await settle();
  assert.equal(written.length, 0, "nothing for the listen before its upstream listen is made");
  tasks.status("tk", { taskId: "up-1", status: "working" }, "notifications/tasks");
  assert.equal(written.length, 0);

  acquire();
  await changeSent;
  assert.deepEqual(written.map((message) => message.method), [
    "notifications/subscriptions/acknowledged",
    "notifications/tools/list_changed",
  ]);
  assert.deepEqual((written[0]!.params as Message).notifications, {
    toolsListChanged: true,
    taskIds: [own],
  });
  tasks.status("tk", { taskId: "up-1", status: "completed" }, "notifications/tasks");
  tasks.status("tk", { taskId: "up-2", status: "completed" }, "notifications/tasks");
  await settle();
  assert.equal(written.length, 3);
  assert.deepEqual(written[2], {
    jsonrpc: "2.0",
    method: "notifications/tasks",
    params: { taskId: own, status: "completed", _meta: { [SUB]: "l1" } },
  });

  tasks.cancelled("l1");
  await settle();
  assert.equal(upstreamListens.get("up-1"), 0, "the upstream listen is released");
  tasks.status("tk", { taskId: "up-1", status: "completed" }, "notifications/tasks");
  await settle();
  assert.equal(written.length, 3);
});

Deno.test("createStdioTasks() answers -32021 to a task listen without the extension, passes others on", () => {
  const { tasks, written } = fixture();
  const { "io.modelcontextprotocol/clientCapabilities": _, ...bare } = ENVELOPE;
  const undeclared = {
    jsonrpc: "2.0",
    id: 3,
    method: "subscriptions/listen",
    params: { notifications: { taskIds: ["x"] }, _meta: bare },
  } as JSONRPCMessage;
  assert.equal(tasks.inbound(undeclared), undefined);
  assert.equal(written.length, 1);
  assert.equal(written[0]!.id, 3);
  assert.equal((written[0]!.error as Message).code, -32021);
  const plain = {
    jsonrpc: "2.0",
    id: 4,
    method: "subscriptions/listen",
    params: { notifications: { toolsListChanged: true }, _meta: ENVELOPE },
  } as JSONRPCMessage;
  assert.equal(tasks.inbound(plain), plain);
  assert.equal(tasks.outbound({ jsonrpc: "2.0", id: 4, result: {} } as JSONRPCMessage), undefined);
});

Deno.test("createStdioTasks() sends 2025 task status to the owning principal's connection only", async () => {
  const { tasks, written, owners } = fixture();
  owners.remember("ct", "up-a", { principalId: "stdio", taskId: "gw-a", era: "legacy" });
  owners.remember("ct", "up-b", { principalId: "alice", taskId: "gw-b", era: "legacy" });
  tasks.status("ct", { taskId: "up-b", status: "completed" }, "notifications/tasks/status");
  tasks.status("ct", { taskId: "up-a", status: "completed" }, "notifications/tasks/status");
  tasks.status("ct", { taskId: "up-a", status: "completed" }, "notifications/tasks/status");
  await settle();
  assert.deepEqual(written, [{
    jsonrpc: "2.0",
    method: "notifications/tasks/status",
    params: { taskId: "gw-a", status: "completed" },
  }]);
});
