/**
 * The tasks extension relayed end to end: a real gateway (subprocess) fronting an SDK v2 upstream
 * that creates tasks. A 2026-07-28 client declaring the extension gets a gateway task handle,
 * polls it to completion through `tasks/get` and gets the upstream's result untouched;
 * `tasks/cancel` reaches the upstream; another principal presenting the id finds nothing; a client
 * without the extension (a real SDK client) gets a plain result.
 */

import assert from "node:assert/strict";
import { connectAs } from "../_support/auth_fixtures.ts";
import {
  ASK,
  REPORT_RESULT,
  startTasksUpstream,
  TASKS_STDIO_TOOL_FILE,
} from "../_support/tasks_upstream.ts";
import { startKeyedGateway } from "../_support/keyed_gateway.ts";
import { DECLARING_TASKS as DECLARING, taskRpcClient } from "../_support/task_rpc.ts";

const MODERN = "2026-07-28";
const TASKS = "io.modelcontextprotocol/tasks";

Deno.test("tasks extension: relayed handle, polled to completion, cancelled, bound to its principal", async () => {
  await using upstream = startTasksUpstream();
  await using setup = await startKeyedGateway({
    "tasks_upstream.yaml": `upstreams:\n  - name: tk\n    url: ${upstream.url}\n`,
  }, { prefix: "nexus-e2e-tasks-", clients: ["alice", "bob"] });
  const { gateway, keys: { alice, bob } } = setup;
  const asAlice = taskRpcClient(gateway.mcpUrl, alice);
  const asBob = taskRpcClient(gateway.mcpUrl, bob);

  const discovered = await asAlice("server/discover", {});
  const capabilities = (discovered.result as { capabilities: Record<string, unknown> })
    .capabilities;
  assert.deepEqual((capabilities.extensions as Record<string, unknown>)[TASKS], {});

  const created = await asAlice("tools/call", { name: "tk_report", _meta: DECLARING });
  const handle = created.result as Record<string, unknown>;
  assert.equal(handle.resultType, "task", JSON.stringify(created));
  assert.equal(handle.status, "working");
  assert.equal(handle.pollIntervalMs, 10);
  const taskId = String(handle.taskId);
  // Why the tag: with a master key the id is tagged, so its owner cannot be rewritten.
  assert.match(taskId, /^nexus\.task\.1\.[A-Za-z0-9_-]+\.[0-9a-f]{32}$/);
  assert.equal(upstream.tasksCreated(), 1);

  const stolen = await asBob("tasks/get", { taskId });
  assert.equal((stolen.error as { code: number }).code, -32602, JSON.stringify(stolen));
  const forged = await asAlice("tasks/get", { taskId: "up-not-a-gateway-id" });
  assert.equal((forged.error as { code: number }).code, -32602);

  let polled: Record<string, unknown> = {};
  for (let round = 0; round < 5 && polled.status !== "completed"; round++) {
    const got = await asAlice("tasks/get", { taskId });
    polled = got.result as Record<string, unknown>;
    assert.equal(polled.taskId, taskId, JSON.stringify(got));
  }
  assert.equal(polled.status, "completed");
  assert.deepEqual(polled.result, REPORT_RESULT);

  const second = await asAlice("tools/call", { name: "tk_report", _meta: DECLARING });
  const secondId = String((second.result as Record<string, unknown>).taskId);
  assert.equal((await asBob("tasks/cancel", { taskId: secondId })).error !== undefined, true);
  assert.deepEqual(upstream.cancelled(), []);
  const cancelled = await asAlice("tasks/cancel", { taskId: secondId });
  assert.equal(cancelled.error, undefined, JSON.stringify(cancelled));
  assert.equal(upstream.cancelled().length, 1);
  assert.match(upstream.cancelled()[0]!, /^up-/);
  const afterCancel = await asAlice("tasks/get", { taskId: secondId });
  assert.equal((afterCancel.result as Record<string, unknown>).status, "cancelled");

  const updated = await asAlice("tasks/update", {
    taskId: secondId,
    inputResponses: { ask: { action: "accept", content: { ok: true } } },
  });
  assert.equal(updated.error, undefined, JSON.stringify(updated));
  assert.deepEqual(upstream.updates().at(-1)?.inputResponses, {
    ask: { action: "accept", content: { ok: true } },
  });

  // An input_required task: its input requests reach the client, its answer the upstream.
  const asked = await asAlice("tools/call", { name: "tk_ask", _meta: DECLARING });
  const askId = String((asked.result as Record<string, unknown>).taskId);
  const waiting = (await asAlice("tasks/get", { taskId: askId })).result as Record<
    string,
    unknown
  >;
  assert.equal(waiting.status, "input_required");
  assert.deepEqual(waiting.inputRequests, { confirm: ASK });
  const answer = { confirm: { action: "accept", content: { ok: true } } };
  const answered = await asAlice("tasks/update", { taskId: askId, inputResponses: answer });
  assert.equal(answered.error, undefined, JSON.stringify(answered));
  const done = (await asAlice("tasks/get", { taskId: askId })).result as Record<string, unknown>;
  assert.equal(done.status, "completed");
  assert.deepEqual(done.result, {
    content: [{ type: "text", text: `answered: ${JSON.stringify(answer)}` }],
  });

  const plainRaw = await asAlice("tools/call", { name: "tk_report" });
  assert.equal((plainRaw.result as Record<string, unknown>).resultType, "complete");
  await using client = await connectAs(MODERN, gateway.mcpUrl, alice);
  const plain = await client.callTool({ name: "tk_report", arguments: {} });
  assert.deepEqual(plain.content, REPORT_RESULT.content);
  assert.deepEqual(plain.structuredContent, REPORT_RESULT.structuredContent);
  assert.equal(upstream.tasksCreated(), 3);

  // A broken upstream handing a task to a client that did not declare the extension: refused.
  const rogue = await client.callTool({ name: "tk_rogue", arguments: {} });
  assert.equal(rogue.isError, true);
  assert.match(JSON.stringify(rogue.content), /task the client did not ask for/);
  const malformed = await asAlice("tools/call", { name: "tk_malformed", _meta: DECLARING });
  const bad = malformed.result as Record<string, unknown>;
  assert.notEqual(bad.resultType, "task", JSON.stringify(malformed));
  assert.equal(bad.isError, true);
});

Deno.test("tasks extension through a stdio upstream: handle, completion, cancellation", async () => {
  await using setup = await startKeyedGateway({
    "tasks_stdio.yaml": TASKS_STDIO_TOOL_FILE,
  }, { prefix: "nexus-e2e-tasks-stdio-", clients: ["alice"] });
  const { gateway, keys: { alice } } = setup;
  const rpc = taskRpcClient(gateway.mcpUrl, alice);
  const created = await rpc("tools/call", { name: "ts_report", _meta: DECLARING });
  const handle = created.result as Record<string, unknown>;
  assert.equal(handle.resultType, "task", JSON.stringify(created));
  const taskId = String(handle.taskId);
  let polled: Record<string, unknown> = {};
  for (let round = 0; round < 5 && polled.status !== "completed"; round++) {
    polled = (await rpc("tasks/get", { taskId })).result as Record<string, unknown>;
  }
  assert.equal(polled.status, "completed");
  assert.deepEqual(polled.result, REPORT_RESULT);

  const second = await rpc("tools/call", { name: "ts_report", _meta: DECLARING });
  const secondId = String((second.result as Record<string, unknown>).taskId);
  const cancelled = await rpc("tasks/cancel", { taskId: secondId });
  assert.equal(cancelled.error, undefined, JSON.stringify(cancelled));
  const after = (await rpc("tasks/get", { taskId: secondId })).result as Record<string, unknown>;
  assert.equal(after.status, "cancelled");
  await gateway.stop();
  assert.ok(
    gateway.stderrLines().some((line) => /cancelled up-/.test(line)),
    "the stdio upstream logged the cancellation",
  );
});
