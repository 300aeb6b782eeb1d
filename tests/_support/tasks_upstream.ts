/**
 * An upstream that implements the 2026-07-28 tasks extension (`io.modelcontextprotocol/tasks`),
 * written by hand on SDK v2's low-level `Server` (the SDK has no tasks receiver for this era, and
 * `@modelcontextprotocol/ext-tasks` only ships a 2025-11-25 one), served over Streamable HTTP on
 * 127.0.0.1 port 0.
 *
 * `report` answers with a task handle when the request declares the extension, and at once
 * otherwise; its task completes at the second `tasks/get` with a result carrying
 * `structuredContent` and `_meta`. An `ask` task turns `input_required` (an elicitation) and
 * completes with the answer `tasks/update` brings. `rogue` answers with a task handle even to a client that did not
 * declare the extension (a broken upstream); `malformed` with a handle missing its required
 * fields. `tasks/cancel` and `tasks/update` are recorded.
 */

import {
  CLIENT_CAPABILITIES_META_KEY,
  createMcpHandler,
  ProtocolError,
  Server,
} from "@modelcontextprotocol/server";
import { z } from "zod";

const TASKS = "io.modelcontextprotocol/tasks";

/** The result a `report` task completes with (and a synchronous `report` answers). */
export const REPORT_RESULT = {
  content: [{ type: "text", text: "report ready" }],
  structuredContent: { pages: 3 },
  _meta: { "example.com/report": "r-1" },
};

/** The elicitation an `ask` task waits on. */
export const ASK = {
  method: "elicitation/create",
  params: {
    message: "Proceed?",
    requestedSchema: { type: "object", properties: { ok: { type: "boolean" } } },
  },
};

/** A running tasks upstream. */
export interface TasksUpstream {
  url: string;
  /** Upstream task ids `tasks/cancel` was received for. */
  cancelled(): string[];
  /** `inputResponses` of each `tasks/update`, by upstream task id. */
  updates(): Array<{ taskId: string; inputResponses: unknown }>;
  /** How many `report` calls were answered with a task. */
  tasksCreated(): number;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** One task the upstream keeps. */
export interface TaskState {
  status: "working" | "input_required" | "completed" | "cancelled";
  /** `ask`: the task waits for an answer to this elicitation until `tasks/update` brings one. */
  asks?: boolean;
  answer?: unknown;
  polls: number;
  createdAt: string;
}

/** Starts the upstream; `await using` stops it. */
export function startTasksUpstream(): TasksUpstream {
  const state = createTasksState();
  const handler = createMcpHandler(() => buildTasksServer(state), { legacy: "stateless" });
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen() {} },
    (request) => handler.fetch(request),
  );
  const close = async () => {
    await handler.close();
    await server.shutdown();
  };
  return {
    url: `http://127.0.0.1:${server.addr.port}/mcp`,
    cancelled: () => [...state.cancelled],
    updates: () => [...state.updates],
    tasksCreated: () => state.created,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** What the upstream's tasks and records are; one per upstream, shared by its server instances. */
export interface TasksState {
  tasks: Map<string, TaskState>;
  cancelled: string[];
  updates: Array<{ taskId: string; inputResponses: unknown }>;
  created: number;
}

/** Fresh, empty upstream state. */
export function createTasksState(): TasksState {
  return { tasks: new Map(), cancelled: [], updates: [], created: 0 };
}

/** One SDK server instance of the upstream over `state` (for HTTP per request, or for stdio). */
export function buildTasksServer(state: TasksState): Server {
  const { tasks, cancelled, updates } = state;
  {
    const server = new Server({ name: "tasks-upstream", version: "1.0.0" }, {
      capabilities: { tools: {}, extensions: { [TASKS]: {} } } as never,
    });
    server.setRequestHandler("tools/list", () => ({
      tools: ["report", "ask", "rogue", "malformed"].map((name) => ({
        name,
        description: `The ${name} tool.`,
        inputSchema: { type: "object" as const },
      })),
    }));
    server.setRequestHandler("tools/call", (request, ctx) => {
      const envelope = (ctx.mcpReq.envelope ?? {}) as Record<string, unknown>;
      const declared = envelope[CLIENT_CAPABILITIES_META_KEY] as
        | { extensions?: Record<string, unknown> }
        | undefined;
      const name = request.params.name;
      if (name === "malformed") return { resultType: "task", taskId: "up-bad" } as never;
      if (declared?.extensions?.[TASKS] === undefined && name !== "rogue") {
        return REPORT_RESULT as never;
      }
      state.created++;
      const taskId = `up-${crypto.randomUUID()}`;
      const now = new Date().toISOString();
      tasks.set(taskId, { status: "working", polls: 0, createdAt: now, asks: name === "ask" });
      return {
        resultType: "task",
        taskId,
        status: "working",
        createdAt: now,
        lastUpdatedAt: now,
        ttlMs: 60_000,
        pollIntervalMs: 10,
      } as never;
    });
    const params = z.looseObject({ taskId: z.string() });
    server.setRequestHandler("tasks/get", { params }, (p) => {
      const task = known(tasks, p.taskId);
      task.polls++;
      if (task.asks && task.answer === undefined && task.status === "working") {
        task.status = "input_required";
      } else if (task.status === "working" && task.polls >= 2) task.status = "completed";
      return view(p.taskId, task) as never;
    });
    server.setRequestHandler("tasks/cancel", { params }, (p) => {
      const task = known(tasks, p.taskId);
      cancelled.push(p.taskId);
      task.status = "cancelled";
      return {};
    });
    server.setRequestHandler(
      "tasks/update",
      { params },
      (p, ctx) => {
        known(tasks, p.taskId);
        const inputResponses = p.inputResponses ?? ctx.mcpReq.inputResponses;
        updates.push({ taskId: p.taskId, inputResponses });
        const task = tasks.get(p.taskId)!;
        if (task.status === "input_required") {
          task.answer = inputResponses;
          task.status = "completed";
        }
        return {};
      },
    );
    return server;
  }
}

function known(tasks: Map<string, TaskState>, taskId: string): TaskState {
  const task = tasks.get(taskId);
  if (task === undefined) throw new ProtocolError(-32602, `Unknown task: ${taskId}`);
  return task;
}

function view(taskId: string, task: TaskState): Record<string, unknown> {
  const base = {
    taskId,
    status: task.status,
    createdAt: task.createdAt,
    lastUpdatedAt: new Date().toISOString(),
    ttlMs: 60_000,
    pollIntervalMs: 10,
  };
  if (task.status === "input_required") return { ...base, inputRequests: { confirm: ASK } };
  if (task.status !== "completed") return base;
  const result = task.asks
    ? { content: [{ type: "text", text: `answered: ${JSON.stringify(task.answer)}` }] }
    : REPORT_RESULT;
  return { ...base, result };
}
