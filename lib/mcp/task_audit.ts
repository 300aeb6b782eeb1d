/**
 * The audit trail of relayed tasks: the `tools/call` that created one is recorded by the call
 * pipeline (`facts.task`, outcome `task_created`); its end, when the gateway sees it on a
 * `tasks/get` (a terminal status) or a successful `tasks/cancel`, is recorded here once per
 * instance (outcome `task_completed`, `task_failed` or `task_cancelled`). Both rows carry the keyed
 * hash of the gateway's task id, never the upstream's id, so they join without exposing either.
 *
 * Why "if the gateway sees it": the gateway stores nothing about tasks; a client that stops
 * polling, or polls another instance, leaves this instance nothing to record.
 */

import type { Caller } from "../auth/mod.ts";
import { currentRequestContext } from "../log.ts";
import type { CallRecord, TaskEvent } from "./stages.ts";

/** Task ids whose end this instance recorded, bounded (the oldest are forgotten first). */
export interface EndedTasks {
  /** Whether `id` is newly ended (and remembers it). */
  first(id: string): boolean;
}

const MAX_REMEMBERED = 10_000;

/** Creates an empty set; raises nothing. */
export function createEndedTasks(max = MAX_REMEMBERED): EndedTasks {
  const seen = new Set<string>();
  return {
    first(id) {
      if (seen.has(id)) return false;
      seen.add(id);
      if (seen.size > max) seen.delete(seen.values().next().value!);
      return true;
    },
  };
}

/** The end a relayed `tasks/get` or `tasks/cancel` result shows; undefined while it runs. */
export function taskEnd(method: string, result: Record<string, unknown>): TaskEvent | undefined {
  if (method === "tasks/cancel") return "cancelled";
  // Why tasks/result too: a 2025-11-25 client may skip polling and wait for the result.
  if (method === "tasks/result") return result.isError === true ? "failed" : "completed";
  if (method !== "tasks/get") return undefined;
  const status = result.status;
  if (status === "completed" || status === "failed" || status === "cancelled") return status;
  return undefined;
}

/**
 * Records the end of task `id` through `onTaskEvent`, once per instance; raises nothing.
 * Why no arguments: the client's task id encodes the upstream's; only its hash is kept.
 */
export function recordTaskEnd(
  deps: { onTaskEvent?: (record: CallRecord) => void; ended: EndedTasks },
  call: { caller: Caller; method: string; id: string; event: TaskEvent; startedAt: Date },
): void {
  if (deps.onTaskEvent === undefined || !deps.ended.first(call.id)) return;
  deps.onTaskEvent({
    requestId: currentRequestContext()?.requestId ?? crypto.randomUUID(),
    caller: call.caller,
    toolName: call.method,
    args: {},
    outcome: "ok",
    isError: call.event === "failed",
    startedAt: call.startedAt,
    durationMs: Date.now() - call.startedAt.getTime(),
    facts: { task: { event: call.event, id: call.id } },
  });
}
