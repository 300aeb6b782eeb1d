/**
 * The `subscriptions/listen` streams of this instance that asked for tasks' status (tasks
 * extension, 2026-07-28), by upstream and upstream task id: an upstream's `notifications/tasks`
 * goes to the streams of that task only, under the gateway task id each knows
 * (`listen_tasks.ts`).
 */

import type { TaskRoute } from "../upstreams/mod.ts";

/** The open listens for task status, by upstream task. */
export interface TaskListens {
  /** Sends `upstream`'s task status `params` (its own task id) to the listens of that task. */
  deliver(upstream: string, params: Record<string, unknown>): void;
  /** Streams kept open here alone (their filter had task ids only), against the cap. */
  kept: { count: number };
  /** Routes the status of `route`'s task to `send`, under gateway id `taskId`, until called. */
  watch(
    route: TaskRoute,
    taskId: string,
    send: (params: Record<string, unknown>) => void,
  ): () => void;
}

interface Watcher {
  taskId: string;
  send: (params: Record<string, unknown>) => void;
}

/** Creates an empty table; raises nothing. */
export function createTaskListens(): TaskListens {
  const watchers = new Map<string, Set<Watcher>>();
  const keyOf = (upstream: string, id: string) => JSON.stringify([upstream, id]);
  return {
    kept: { count: 0 },
    deliver(upstream, params) {
      if (typeof params.taskId !== "string") return;
      for (const watcher of watchers.get(keyOf(upstream, params.taskId)) ?? []) {
        watcher.send(relayedStatus(params, watcher.taskId));
      }
    },
    watch(route, taskId, send) {
      const key = keyOf(route.upstream, route.taskId);
      const watcher = { taskId, send };
      const set = watchers.get(key) ?? new Set();
      watchers.set(key, set.add(watcher));
      return () => {
        set.delete(watcher);
        if (set.size === 0 && watchers.get(key) === set) watchers.delete(key);
      };
    },
  };
}

const RELATED_TASK_KEY = "io.modelcontextprotocol/related-task";

/** The params with the gateway's task id, in `taskId` and in a related-task `_meta`. */
function relayedStatus(params: Record<string, unknown>, taskId: string): Record<string, unknown> {
  const meta = params._meta as Record<string, unknown> | undefined;
  if (meta === undefined || typeof meta !== "object" || !(RELATED_TASK_KEY in meta)) {
    return { ...params, taskId };
  }
  return { ...params, taskId, _meta: { ...meta, [RELATED_TASK_KEY]: { taskId } } };
}
