import assert from "node:assert/strict";
import { createTaskOwners, ownedTaskStatus } from "../../lib/mcp/task_owners.ts";

const RELATED = "io.modelcontextprotocol/related-task";

Deno.test("ownedTaskStatus() swaps in the gateway task id and forgets the task at a terminal status", () => {
  const owners = createTaskOwners();
  owners.remember("ct", "up-1", { principalId: "key:a", taskId: "nexus.task.1.x", era: "legacy" });
  const working = ownedTaskStatus(owners, "ct", {
    taskId: "up-1",
    status: "working",
    _meta: { [RELATED]: { taskId: "up-1" } },
  });
  assert.deepEqual(working?.params, {
    taskId: "nexus.task.1.x",
    status: "working",
    _meta: { [RELATED]: { taskId: "nexus.task.1.x" } },
  });
  assert.equal(working?.owner.principalId, "key:a");
  assert.equal(ownedTaskStatus(owners, "other", { taskId: "up-1", status: "working" }), undefined);
  assert.ok(ownedTaskStatus(owners, "ct", { taskId: "up-1", status: "completed" }));
  assert.equal(ownedTaskStatus(owners, "ct", { taskId: "up-1", status: "completed" }), undefined);
});

Deno.test("createTaskOwners() forgets the oldest task beyond its bound", () => {
  const owners = createTaskOwners(2);
  for (const id of ["a", "b", "c"]) {
    owners.remember("ct", id, { principalId: "p", taskId: `g-${id}`, era: "legacy" });
  }
  assert.equal(owners.lookup("ct", "a"), undefined);
  assert.equal(owners.lookup("ct", "c")?.taskId, "g-c");
});
