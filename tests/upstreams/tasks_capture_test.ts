import assert from "node:assert/strict";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { capturedTask } from "../../lib/upstreams/tasks_capture.ts";
import { createUpstreamClient } from "../../lib/upstreams/upstream_client.ts";
import { REPORT_RESULT, startTasksUpstream } from "../_support/tasks_upstream.ts";
import { CORE_REPORT, startCoreTasksUpstream } from "../_support/core_tasks_upstream.ts";
import { DECLARING_TASKS as DECLARING } from "../_support/task_rpc.ts";

Deno.test("an upstream client keeps a task handle the SDK would refuse, and nothing else", async () => {
  await using upstream = startTasksUpstream();
  const client = createUpstreamClient({});
  await client.connect(new StreamableHTTPClientTransport(new URL(upstream.url)));
  try {
    assert.equal(client.getProtocolEra(), "modern");
    const held = await client.callTool({ name: "report", arguments: {}, _meta: DECLARING });
    const task = capturedTask(held);
    assert.ok(task, JSON.stringify(held));
    assert.equal(task.resultType, "task");
    assert.equal(task.status, "working");
    assert.match(String(task.taskId), /^up-/);
    assert.equal("content" in task, false);

    const plain = await client.callTool({ name: "report", arguments: {} });
    assert.equal(capturedTask(plain), undefined);
    assert.deepEqual(plain.content, REPORT_RESULT.content);

    // A malformed handle is not captured: the SDK refuses it as before.
    await assert.rejects(
      client.callTool({ name: "malformed", arguments: {}, _meta: DECLARING }),
      /Unsupported result type 'task'/,
    );
  } finally {
    await client.close();
  }
});

Deno.test("a result naming some other task key is not a captured task", () => {
  const forged = {
    content: [],
    isError: true,
    _meta: { "nexus.internal/task-00000000-0000-0000-0000-000000000000": { taskId: "x" } },
  };
  assert.equal(capturedTask(forged), undefined);
  assert.equal(capturedTask({ content: [] }), undefined);
});

Deno.test("an upstream client keeps a 2025-11-25 CreateTaskResult of a 2025 upstream", async () => {
  await using upstream = startCoreTasksUpstream();
  const client = createUpstreamClient({});
  await client.connect(new StreamableHTTPClientTransport(new URL(upstream.url)));
  try {
    assert.equal(client.getProtocolEra(), "legacy");
    const held = await client.callTool({ name: "report", arguments: {}, task: { ttl: 5_000 } });
    const task = capturedTask(held);
    assert.ok(task, JSON.stringify(held));
    const core = task.task as Record<string, unknown>;
    assert.equal(core.status, "working");
    assert.equal(core.ttl, 5_000);
    assert.match(String(core.taskId), /^up-/);
    const plain = await client.callTool({ name: "report", arguments: {} });
    assert.equal(capturedTask(plain), undefined);
    assert.deepEqual(plain.content, CORE_REPORT.content);
  } finally {
    await client.close();
  }
});
