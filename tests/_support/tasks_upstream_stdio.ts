/**
 * The tasks upstream (`tasks_upstream.ts`) served on stdin/stdout, for a stdio upstream of the
 * gateway: `deno run tests/_support/tasks_upstream_stdio.ts`. Cancelled task ids go to stderr
 * (`cancelled <id>`), which the gateway logs.
 *
 * A `subscriptions/listen` naming task ids is answered here, before the SDK (whose stdio listen
 * drops `taskIds`): acknowledged with the ids, then each status change of those tasks is written
 * as `notifications/tasks` until the client cancels the listen.
 */

import {
  type JSONRPCMessage,
  SUBSCRIPTION_ID_META_KEY,
  type Transport,
} from "@modelcontextprotocol/server";
import { serveStdio, StdioServerTransport } from "@modelcontextprotocol/server/stdio";
import { buildTasksServer, createTasksState, type TasksState } from "./tasks_upstream.ts";

const state = createTasksState();
const cancelled = state.cancelled;
cancelled.push = (...ids: string[]) => {
  const encoder = new TextEncoder();
  for (const id of ids) Deno.stderr.writeSync(encoder.encode(`cancelled ${id}\n`));
  return Array.prototype.push.apply(cancelled, ids);
};
serveStdio(() => buildTasksServer(state), {
  transport: withTaskListens(new StdioServerTransport()),
});

type Watcher = (taskId: string, task: Record<string, unknown>) => void;

/** `wire`, with listens for task ids served here rather than reaching the SDK. */
function withTaskListens(wire: Transport): Transport {
  const listens = new Map<string | number, Watcher>();
  const view: Transport = {
    start: () => wire.start(),
    send: (message, options) => wire.send(message, options),
    close: () => wire.close(),
  };
  Object.defineProperty(view, "onmessage", {
    get: () => wire.onmessage,
    set(handler: Transport["onmessage"]) {
      wire.onmessage = (message, extra) => {
        if (!serveTaskListen(message, wire, listens, state)) handler?.(message, extra);
      };
    },
  });
  for (const key of ["onerror", "onclose"] as const) {
    Object.defineProperty(view, key, {
      get: () => wire[key],
      set: (handler) => (wire[key] = handler),
    });
  }
  return view;
}

/** Serves `message` when it is a task listen (or cancels one); false when it is the SDK's. */
function serveTaskListen(
  message: JSONRPCMessage,
  wire: Transport,
  listens: Map<string | number, Watcher>,
  tasks: TasksState,
): boolean {
  const request = message as {
    id?: string | number;
    method?: string;
    params?: { notifications?: { taskIds?: string[] }; requestId?: string | number };
  };
  if (request.method === "notifications/cancelled") {
    const watcher = listens.get(request.params?.requestId ?? "");
    if (watcher !== undefined) tasks.watchers.delete(watcher);
    return false;
  }
  const taskIds = request.params?.notifications?.taskIds;
  if (request.method !== "subscriptions/listen" || request.id === undefined || !taskIds) {
    return false;
  }
  const stamp = { [SUBSCRIPTION_ID_META_KEY]: request.id };
  const honoured = taskIds.filter((id) => tasks.tasks.has(id));
  tasks.listened.push(honoured);
  const send = (method: string, params: Record<string, unknown>) =>
    void wire.send({ jsonrpc: "2.0", method, params } as JSONRPCMessage).catch(() => {});
  send("notifications/subscriptions/acknowledged", {
    notifications: { taskIds: honoured },
    _meta: stamp,
  });
  const watcher: Watcher = (taskId, task) => {
    if (honoured.includes(taskId)) send("notifications/tasks", { ...task, _meta: stamp });
  };
  listens.set(request.id, watcher);
  tasks.watchers.add(watcher);
  return true;
}
