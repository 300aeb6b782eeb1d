/**
 * A 2025-11-25-only upstream with core tasks (the 2025-11-25 `tasks` capability), written on SDK
 * v2's low-level `Server` (the SDK ships the 2025 task vocabulary but no runtime for it) and served
 * over Streamable HTTP with sessions on 127.0.0.1 port 0.
 *
 * `report` (`execution.taskSupport: "optional"`) answers a task-augmented call with a
 * `CreateTaskResult` and any other at once; its task completes at the second `tasks/get`, when the
 * upstream also sends `notifications/tasks/status` on the session. `tasks/result` answers the
 * task's result with the related-task `_meta`; `tasks/cancel` cancels (and notifies). Task
 * requests and cancellations are recorded.
 */

import { ProtocolError, Server, SUPPORTED_PROTOCOL_VERSIONS } from "@modelcontextprotocol/server";
import { z } from "zod";
import { serveSessionedMcp } from "./session_http.ts";

/** The result a `report` task completes with (and a plain `report` answers). */
export const CORE_REPORT = {
  content: [{ type: "text", text: "core report ready" }],
  structuredContent: { rows: 2 },
};

const RELATED = "io.modelcontextprotocol/related-task";

interface CoreTask {
  taskId: string;
  status: "working" | "completed" | "cancelled";
  ttl: number | null;
  createdAt: string;
  lastUpdatedAt: string;
  pollInterval: number;
  polls: number;
}

/** A running 2025 tasks upstream. */
export interface CoreTasksUpstream {
  url: string;
  /** The `task` params of task-augmented `tools/call`s, in order. */
  taskRequests(): unknown[];
  /** Upstream task ids `tasks/cancel` was received for. */
  cancelled(): string[];
  /** Upstream task ids a `notifications/tasks/status` was sent for, with the status. */
  notified(): string[];
  [Symbol.asyncDispose](): Promise<void>;
}

/** Starts the upstream; `await using` stops it. */
export function startCoreTasksUpstream(): CoreTasksUpstream {
  const tasks = new Map<string, CoreTask>();
  const taskRequests: unknown[] = [];
  const cancelled: string[] = [];
  const notified: string[] = [];

  function build(): Server {
    const server = new Server({ name: "core-tasks-upstream", version: "1.0.0" }, {
      capabilities: { tools: {}, tasks: { cancel: {}, requests: { tools: { call: {} } } } },
      supportedProtocolVersions: SUPPORTED_PROTOCOL_VERSIONS.filter((v) => v < "2026"),
    } as never);
    const notify = (task: CoreTask) => {
      notified.push(`${task.taskId} ${task.status}`);
      const { polls: _polls, ...wire } = task;
      void server.notification({ method: "notifications/tasks/status", params: wire } as never)
        .catch(() => {});
    };
    server.setRequestHandler("tools/list", () => ({
      tools: [{
        name: "report",
        description: "A report, as a task when asked.",
        inputSchema: { type: "object" as const },
        execution: { taskSupport: "optional" },
      }] as never,
    }));
    server.setRequestHandler("tools/call", (request) => {
      const task = (request.params as { task?: { ttl?: number } }).task;
      if (task === undefined) return CORE_REPORT as never;
      taskRequests.push(task);
      const now = new Date().toISOString();
      const created: CoreTask = {
        taskId: `up-${crypto.randomUUID()}`,
        status: "working",
        ttl: task.ttl ?? null,
        createdAt: now,
        lastUpdatedAt: now,
        pollInterval: 10,
        polls: 0,
      };
      tasks.set(created.taskId, created);
      const { polls: _polls, ...wire } = created;
      // Why `content: []`: the SDK's 2025 result check refuses `task` without it.
      return { content: [], task: wire } as never;
    });
    const params = z.looseObject({ taskId: z.string() });
    server.setRequestHandler("tasks/get", { params }, (p) => {
      const task = known(tasks, p.taskId);
      if (task.status === "working" && ++task.polls >= 2) {
        task.status = "completed";
        notify(task);
      }
      const { polls: _polls, ...wire } = task;
      return wire as never;
    });
    server.setRequestHandler("tasks/result", { params }, (p) => {
      known(tasks, p.taskId);
      return { ...CORE_REPORT, _meta: { [RELATED]: { taskId: p.taskId } } } as never;
    });
    server.setRequestHandler("tasks/cancel", { params }, (p) => {
      const task = known(tasks, p.taskId);
      cancelled.push(p.taskId);
      task.status = "cancelled";
      notify(task);
      const { polls: _polls, ...wire } = task;
      return wire as never;
    });
    return server;
  }

  const http = serveSessionedMcp(build);
  return {
    url: http.url,
    taskRequests: () => [...taskRequests],
    cancelled: () => [...cancelled],
    notified: () => [...notified],
    [Symbol.asyncDispose]: () => http[Symbol.asyncDispose](),
  };
}

function known(tasks: Map<string, CoreTask>, taskId: string): CoreTask {
  const task = tasks.get(taskId);
  if (task === undefined) throw new ProtocolError(-32602, `Unknown task: ${taskId}`);
  return task;
}
