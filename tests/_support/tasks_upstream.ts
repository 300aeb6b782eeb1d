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
 *
 * Task status notifications (`notifications/tasks`): the SDK's listen stream drops a filter's
 * `taskIds`, so a `subscriptions/listen` naming task ids is served by hand (`listenForTasks`):
 * refused with -32021 unless the request declares the extension, acknowledged with the task ids,
 * then each status change of those tasks is sent as a complete task, as `tasks/get` shows it.
 */

import {
  CLIENT_CAPABILITIES_META_KEY,
  createMcpHandler,
  ProtocolError,
  Server,
  SUBSCRIPTION_ID_META_KEY,
} from "@modelcontextprotocol/server";
import { z } from "zod";

const TASKS = "io.modelcontextprotocol/tasks";

// Why not gateway.ts's REPO_ROOT: the stdio twin imports this file and runs without permissions.
const REPO_ROOT = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");

/** A tool file naming the stdio twin of this upstream (`tasks_upstream_stdio.ts`) as `ts`. */
export const TASKS_STDIO_TOOL_FILE = `upstreams:
  - name: ts
    stdio:
      command: ${JSON.stringify(Deno.execPath())}
      args: ["run", "--quiet", "--no-prompt", ${
  JSON.stringify(`${REPO_ROOT}/tests/_support/tasks_upstream_stdio.ts`)
}]
      env: { NO_COLOR: "1" }
      cwd: ${JSON.stringify(REPO_ROOT)}
`;

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
  /** Task ids each honoured `subscriptions/listen` asked for, in order. */
  listened(): string[][];
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
    async (request) => {
      const body = request.method === "POST"
        ? await request.clone().json().catch(() => undefined)
        : undefined;
      if (body?.method === "subscriptions/listen" && body.params?.notifications?.taskIds) {
        return listenForTasks(body, request.signal, state);
      }
      return handler.fetch(request);
    },
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
    listened: () => state.listened.map((ids) => [...ids]),
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
  /** Receivers of status changes (the open task listens). */
  watchers: Set<(taskId: string, task: Record<string, unknown>) => void>;
  listened: string[][];
}

/** Fresh, empty upstream state. */
export function createTasksState(): TasksState {
  return {
    tasks: new Map(),
    cancelled: [],
    updates: [],
    created: 0,
    watchers: new Set(),
    listened: [],
  };
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
      const before = task.status;
      task.polls++;
      if (task.asks && task.answer === undefined && task.status === "working") {
        task.status = "input_required";
      } else if (task.status === "working" && task.polls >= 2) task.status = "completed";
      if (task.status !== before) changed(state, p.taskId);
      return view(p.taskId, task) as never;
    });
    server.setRequestHandler("tasks/cancel", { params }, (p) => {
      const task = known(tasks, p.taskId);
      cancelled.push(p.taskId);
      task.status = "cancelled";
      changed(state, p.taskId);
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
          changed(state, p.taskId);
        }
        return {};
      },
    );
    return server;
  }
}

function changed(state: TasksState, taskId: string): void {
  const task = view(taskId, state.tasks.get(taskId)!);
  for (const watcher of state.watchers) watcher(taskId, task);
}

/** Serves a `subscriptions/listen` naming task ids (2026-07-28 tasks extension) by hand. */
function listenForTasks(
  body: { id: unknown; params: Record<string, unknown> },
  signal: AbortSignal,
  state: TasksState,
): Response {
  const meta = (body.params._meta ?? {}) as Record<string, unknown>;
  const declared = meta[CLIENT_CAPABILITIES_META_KEY] as
    | { extensions?: Record<string, unknown> }
    | undefined;
  if (declared?.extensions?.[TASKS] === undefined) {
    const error = { code: -32021, message: "Missing required client capability" };
    return Response.json({ jsonrpc: "2.0", id: body.id, error }, { status: 400 });
  }
  const notifications = body.params.notifications as { taskIds: string[] };
  const taskIds = notifications.taskIds.filter((id) => state.tasks.has(id));
  state.listened.push(taskIds);
  const stamp = { [SUBSCRIPTION_ID_META_KEY]: body.id };
  const encoder = new TextEncoder();
  let watcher: ((taskId: string, task: Record<string, unknown>) => void) | undefined;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (method: string, params: Record<string, unknown>) =>
        controller.enqueue(
          encoder.encode(
            `event: message\ndata: ${JSON.stringify({ jsonrpc: "2.0", method, params })}\n\n`,
          ),
        );
      send("notifications/subscriptions/acknowledged", {
        notifications: { taskIds },
        _meta: stamp,
      });
      watcher = (taskId, task) => {
        if (taskIds.includes(taskId)) send("notifications/tasks", { ...task, _meta: stamp });
      };
      state.watchers.add(watcher);
      signal.addEventListener("abort", () => {
        state.watchers.delete(watcher!);
        try {
          controller.close();
        } catch {
          // Why: the gateway may have cancelled the stream already.
        }
      }, { once: true });
    },
    cancel() {
      if (watcher) state.watchers.delete(watcher);
    },
  });
  return new Response(stream, {
    headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
  });
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
