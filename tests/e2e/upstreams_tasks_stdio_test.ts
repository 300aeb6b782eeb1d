/**
 * Task status notifications for the gateway's own stdio clients: `nexus stdio` launched by the
 * SDK's `StdioClientTransport` (as a desktop client would) in front of task-capable upstreams. A
 * 2026-07-28 client hears the tasks extension's `notifications/tasks` on a `subscriptions/listen`
 * naming its task (another principal's task id, issued over HTTP with the same master key, is not
 * honoured); a 2025-11-25 client hears `notifications/tasks/status` of the core task it created.
 * Both under the gateway's task id, never the upstream's.
 */

import assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/client";
import { gatewayStdioTransport } from "../_support/gateway_stdio.ts";
import type { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { z } from "zod";
import { generateMasterKey } from "../../lib/credentials/mod.ts";
import { bearerFetch, createClientKey } from "../_support/auth_fixtures.ts";
import { startCoreTasksUpstream } from "../_support/core_tasks_upstream.ts";
import {
  assertEra,
  createGatewayToolsDir,
  type Era,
  eraOptions,
  readRpcResponse,
  rpcBody,
  rpcHeaders,
  startGateway,
  waitUntil,
} from "../_support/gateway.ts";
import { REPORT_RESULT, startTasksUpstream } from "../_support/tasks_upstream.ts";
import { DECLARING_TASKS as DECLARING } from "../_support/task_rpc.ts";

const TASKS = "io.modelcontextprotocol/tasks";
const Loose = z.looseObject({});
type Message = Record<string, unknown>;

/**
 * A real SDK client of `era` over `nexus stdio` with `env`; `await using` closes it. Every message
 * it receives goes to `seen` too (the SDK's `honoredFilter` drops `taskIds`); the 2026-07-28 task
 * handles the gateway answers `tools/call` with go to `handles`, the SDK seeing an empty result
 * instead (SDK 2.4.0 rejects a `task` result type: `lib/upstreams/tasks_capture.ts`).
 */
async function stdioClient(
  era: Era,
  env: Record<string, string>,
  options: { capabilities?: Record<string, unknown>; handles?: Message[]; seen?: Message[] } = {},
): Promise<Client & AsyncDisposable> {
  const transport = gatewayStdioTransport({ ...env });
  let deliver: StdioClientTransport["onmessage"];
  Object.defineProperty(transport, "onmessage", {
    get: () => deliver && ((message: Message) => deliver!(taken(message) as never)),
    set: (handler: StdioClientTransport["onmessage"]) => void (deliver = handler),
  });

  function taken(message: Message): Message {
    options.seen?.push(message);
    const result = message.result as Message | undefined;
    if (result?.resultType !== "task") return message;
    options.handles?.push(result);
    return { ...message, result: { resultType: "complete", content: [] } };
  }
  const capabilities = options.capabilities ?? {};
  const client = new Client(
    { name: "nexus-e2e-stdio-tasks", version: "1.0.0" },
    eraOptions(era, { capabilities } as never),
  );
  await client.connect(transport);
  assertEra(client, era);
  return Object.assign(client, { [Symbol.asyncDispose]: () => client.close() });
}

Deno.test("nexus stdio: a 2026-07-28 client hears notifications/tasks of its own task on its listen", async () => {
  await using upstream = startTasksUpstream();
  const dataDir = await Deno.makeTempDir({ prefix: "nexus-e2e-stdio-tasks-" });
  try {
    await using tools = await createGatewayToolsDir({
      "tasks_upstream.yaml": `upstreams:\n  - name: tk\n    url: ${upstream.url}\n`,
    });
    const env = {
      NEXUS_DATA_DIR: dataDir,
      NEXUS_MASTER_KEY: generateMasterKey(),
      NEXUS_TOOLS_DIR: tools.dir,
    };
    // Another principal's task, issued over HTTP under the same master key.
    const alice = await createClientKey("alice", env);
    let aliceTaskId: string;
    {
      await using gateway = await startGateway({ toolsDir: tools.dir, env });
      const message = {
        id: 1,
        method: "tools/call",
        params: { name: "tk_report", _meta: DECLARING },
      };
      const response = await bearerFetch(alice)(gateway.mcpUrl, {
        method: "POST",
        headers: rpcHeaders("2026-07-28", message),
        body: JSON.stringify(rpcBody("2026-07-28", message)),
      });
      aliceTaskId = String(((await readRpcResponse(response)).result as Message).taskId);
      assert.match(aliceTaskId, /^nexus\.task\./);
    }

    const handles: Message[] = [];
    const seen: Message[] = [];
    await using client = await stdioClient("2026-07-28", env, {
      capabilities: { extensions: { [TASKS]: {} } },
      handles,
      seen,
    });
    const heard: Message[] = [];
    client.setNotificationHandler(
      "notifications/tasks",
      { params: z.looseObject({ taskId: z.string(), status: z.string() }) },
      (params) => void heard.push(params),
    );
    await client.callTool({ name: "tk_report", arguments: {} });
    assert.equal(handles.length, 1, "the call was answered with a task handle");
    const taskId = String(handles[0]!.taskId);
    assert.match(taskId, /^nexus\.task\./);

    const subscription = await client.listen({ taskIds: [taskId, aliceTaskId] } as never);
    const ack = seen.find((message) =>
      message.method === "notifications/subscriptions/acknowledged"
    );
    assert.deepEqual((ack?.params as Message).notifications, { taskIds: [taskId] });
    assert.ok(await waitUntil(() => upstream.listened().length === 1), "the upstream was asked");
    assert.ok(upstream.listened()[0]!.every((id) => id.startsWith("up-")));

    for (let round = 0; round < 2; round++) {
      await client.request({ method: "tasks/get", params: { taskId } } as never, Loose);
    }
    assert.ok(
      await waitUntil(() => heard.some((params) => params.status === "completed")),
      "the stdio client heard no completed notification",
    );
    const completed = heard.find((params) => params.status === "completed")!;
    assert.equal(completed.taskId, taskId);
    assert.deepEqual(
      (completed.result as Message).structuredContent,
      REPORT_RESULT.structuredContent,
    );
    assert.ok(!JSON.stringify(heard).includes("up-"), "the upstream's id never shows");
    assert.ok(heard.every((params) => params.taskId === taskId), "only its own task");
    await subscription.close();
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("nexus stdio: a 2025-11-25 client hears notifications/tasks/status of the core task it created", async () => {
  await using upstream = startCoreTasksUpstream();
  const dataDir = await Deno.makeTempDir({ prefix: "nexus-e2e-stdio-core-tasks-" });
  try {
    await using tools = await createGatewayToolsDir({
      "core.yaml": `upstreams:\n  - name: ct\n    url: ${upstream.url}\n`,
    });
    const env = {
      NEXUS_DATA_DIR: dataDir,
      NEXUS_MASTER_KEY: generateMasterKey(),
      NEXUS_TOOLS_DIR: tools.dir,
    };
    await using client = await stdioClient("2025-11-25", env);
    const heard: Message[] = [];
    client.setNotificationHandler(
      "notifications/tasks/status",
      { params: z.looseObject({ taskId: z.string(), status: z.string() }) },
      (params) => void heard.push(params),
    );
    const created = await client.request(
      { method: "tools/call", params: { name: "ct_report", arguments: {}, task: {} } } as never,
      Loose,
    ) as Message;
    const taskId = String((created.task as Message | undefined)?.taskId);
    assert.match(taskId, /^nexus\.task\./, JSON.stringify(created));
    for (let round = 0; round < 2; round++) {
      await client.request({ method: "tasks/get", params: { taskId } } as never, Loose);
    }
    assert.ok(
      await waitUntil(() => heard.some((params) => params.status === "completed")),
      "the stdio client heard no task status notification",
    );
    assert.deepEqual(upstream.notified().map((line) => line.split(" ")[1]), ["completed"]);
    assert.equal(heard[0]!.taskId, taskId, "the gateway's task id, never the upstream's");
    assert.ok(!JSON.stringify(heard).includes("up-"));
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
