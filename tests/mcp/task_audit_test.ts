import assert from "node:assert/strict";
import { anonymousPrincipal, DEFAULT_SERVER } from "../../lib/auth/mod.ts";
import type { CallRecord } from "../../lib/mcp/mod.ts";
import { createEndedTasks, recordTaskEnd, taskEnd } from "../../lib/mcp/task_audit.ts";

Deno.test("taskEnd() reads a terminal status, a cancel and a 2025 tasks/result; none while running", () => {
  assert.equal(taskEnd("tasks/get", { status: "working" }), undefined);
  assert.equal(taskEnd("tasks/get", { status: "input_required" }), undefined);
  assert.equal(taskEnd("tasks/get", { status: "failed" }), "failed");
  assert.equal(taskEnd("tasks/cancel", {}), "cancelled");
  assert.equal(taskEnd("tasks/result", { content: [] }), "completed");
  assert.equal(taskEnd("tasks/result", { content: [], isError: true }), "failed");
  assert.equal(taskEnd("tasks/update", { status: "completed" }), undefined);
});

Deno.test("recordTaskEnd() records a task's end once per instance", () => {
  const records: CallRecord[] = [];
  const deps = {
    onTaskEvent: (record: CallRecord) => records.push(record),
    ended: createEndedTasks(),
  };
  const caller = { principal: anonymousPrincipal(undefined), server: DEFAULT_SERVER };
  for (let poll = 0; poll < 3; poll++) {
    recordTaskEnd(deps, {
      caller,
      method: "tasks/get",
      id: "nexus.task.1.a",
      event: "completed",
      startedAt: new Date(),
    });
  }
  assert.equal(records.length, 1);
  assert.deepEqual(records[0]!.facts, { task: { event: "completed", id: "nexus.task.1.a" } });
  assert.deepEqual(records[0]!.args, {}, "the task id is not kept as an argument");
});
