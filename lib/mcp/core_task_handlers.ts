/**
 * 2025-11-25 core tasks relayed to upstreams: a 2025 client's task-augmented `tools/call`
 * (`params.task`) goes to an upstream that declared `tasks.requests.tools.call` with the task
 * request on it, and the upstream's `CreateTaskResult` reaches the client under a gateway task id
 * (the same `nexus.task.1.…` ids as the 2026-07-28 extension, bound to the principal); `tasks/get`,
 * `tasks/result` and `tasks/cancel` go back to the owning upstream with its own task id, their
 * results passing through with only the id swapped back (`taskId`, and the related-task `_meta`).
 * An upstream without 2025 tasks runs the call at once, as a receiver that does not support task
 * augmentation does.
 *
 * Why no `tasks/list`: the gateway shares one connection per upstream among all its clients and
 * keeps no record of which task is whose, so an upstream's list would mix principals. It is not
 * declared, and answers "method not found".
 */

import type { Server } from "@modelcontextprotocol/server";
import { z } from "zod";
import type { Caller } from "../auth/mod.ts";
import { relayTaskRequest, type TaskHandlerDeps } from "./task_handlers.ts";

/** The `tasks` capability a 2025-era server instance declares. */
export const CORE_TASKS_CAPABILITY = { cancel: {}, requests: { tools: { call: {} } } };

const METHODS = ["tasks/get", "tasks/result", "tasks/cancel"] as const;
const TaskIdParams = z.looseObject({ taskId: z.string() });

/** Registers `tasks/get`, `tasks/result` and `tasks/cancel` on a 2025-era server instance. */
export function registerCoreTaskHandlers(
  server: Server,
  deps: TaskHandlerDeps,
  caller: Caller,
  guard: <T>(body: () => Promise<T>) => Promise<T>,
): void {
  for (const method of METHODS) {
    // Why the custom-method form: the SDK's typed methods leave out the 2025 task vocabulary.
    server.setRequestHandler(
      method,
      { params: TaskIdParams },
      (params, ctx) =>
        guard(() => relayTaskRequest(deps, caller, { method, params, signal: ctx.mcpReq.signal })),
    );
  }
}
