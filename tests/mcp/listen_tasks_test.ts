import assert from "node:assert/strict";
import { anonymousPrincipal, type Caller } from "../../lib/auth/mod.ts";
import { buildSnapshot } from "../../lib/registry/mod.ts";
import { createTaskListens, listenTasks } from "../../lib/mcp/listen_tasks.ts";
import { DECLARING_TASKS as DECLARING } from "../_support/task_rpc.ts";

const caller: Caller = { principal: anonymousPrincipal("127.0.0.1"), server: "default" };
const RELATED = "io.modelcontextprotocol/related-task";

Deno.test("createTaskListens() sends an upstream task's status to its watchers only, under their ids", () => {
  const listens = createTaskListens();
  const heard: Array<[string, Record<string, unknown>]> = [];
  const stop = listens.watch(
    { upstream: "a", principal: "p", taskId: "up-1" },
    "gw-1",
    (params) => heard.push(["one", params]),
  );
  listens.watch(
    { upstream: "b", principal: "p", taskId: "up-1" },
    "gw-2",
    (params) => heard.push(["other upstream", params]),
  );
  listens.deliver("a", {
    taskId: "up-1",
    status: "working",
    _meta: { [RELATED]: { taskId: "up-1" } },
  });
  listens.deliver("a", { taskId: "up-2", status: "working" });
  assert.deepEqual(heard, [
    ["one", { taskId: "gw-1", status: "working", _meta: { [RELATED]: { taskId: "gw-1" } } }],
  ]);
  stop();
  listens.deliver("a", { taskId: "up-1", status: "completed" });
  assert.equal(heard.length, 1);
});

function deps(maxKept: number) {
  let served = 0;
  return {
    served: () => served,
    deps: {
      caller,
      snapshot: () => buildSnapshot([], 1),
      canUse: () => true,
      listens: createTaskListens(),
      keepAliveMs: 0,
      maxKept,
      serve: () => {
        served++;
        return Promise.resolve(
          new Response("{}", { headers: { "content-type": "application/json" } }),
        );
      },
    },
  };
}

Deno.test("listenTasks() refuses task ids without the extension declared (-32021)", async () => {
  const { deps: listenDeps, served } = deps(10);
  const body = {
    jsonrpc: "2.0",
    id: 7,
    method: "subscriptions/listen",
    params: { notifications: { taskIds: ["x"] } },
  };
  const response = await listenTasks(body, listenDeps);
  assert.equal(response.status, 400);
  const answer = await response.json();
  assert.equal(answer.id, 7);
  assert.equal(answer.error.code, -32021);
  assert.deepEqual(answer.error.data.requiredCapabilities.extensions, {
    "io.modelcontextprotocol/tasks": {},
  });
  assert.equal(served(), 0);
});

Deno.test("listenTasks() refuses a task-only listen at the cap, and passes a listen without task ids on", async () => {
  const { deps: listenDeps, served } = deps(0);
  const taskOnly = {
    jsonrpc: "2.0",
    id: 8,
    method: "subscriptions/listen",
    params: { _meta: DECLARING, notifications: { taskIds: ["x"] } },
  };
  const refused = await (await listenTasks(taskOnly, listenDeps)).json();
  assert.equal(refused.error.code, -32603);
  assert.equal(served(), 0);
  const plain = { ...taskOnly, params: { notifications: { toolsListChanged: true } } };
  await listenTasks(plain, listenDeps);
  assert.equal(served(), 1);
});
