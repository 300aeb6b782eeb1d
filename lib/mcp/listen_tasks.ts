/**
 * Task status notifications of the tasks extension (2026-07-28 `notifications/tasks`) for
 * 2026-07-28 clients: a `subscriptions/listen` naming gateway task ids (`taskIds`) gets, on its
 * stream, the status notifications of those of its tasks the caller owns, under the gateway's ids.
 *
 * Stateless like the ids: a listen may land on any instance. The instance reads each id (bound to
 * the principal, `lib/upstreams/tasks_ids.ts`), leaves out ids that are not the caller's or whose
 * upstream the caller may no longer use, and holds a listen stream for the upstream's task id at
 * that upstream (`UpstreamSubscriptions.acquireTask`, shared by the listens of one task) until the
 * client's stream ends. An upstream's notification is routed by its upstream and task id to the
 * streams that asked for that task, so it never reaches another principal.
 *
 * Why splice the SDK's stream: the SDK serves the rest of the filter (list changes, resources)
 * but drops `taskIds` from it; the gateway serves it the filter without them, adds the honoured
 * ids to its acknowledgement, and writes the task notifications between its events. A filter of
 * task ids alone (which the SDK ends at once, having nothing to honour) is kept open here.
 */

import {
  CLIENT_CAPABILITIES_META_KEY,
  SUBSCRIPTION_ID_META_KEY,
} from "@modelcontextprotocol/server";
import type { Caller } from "../auth/mod.ts";
import { type TaskRoute, TASKS_EXTENSION } from "../upstreams/mod.ts";
import type { CatalogAccess } from "./catalog_handlers.ts";
import { type TaskHandlerDeps, usableTaskRoute } from "./task_handlers.ts";
import type { TaskListens } from "./task_listens.ts";

export { createTaskListens, type TaskListens } from "./task_listens.ts";

/** What a listen with task ids needs. */
export interface ListenTaskDeps extends Pick<TaskHandlerDeps, "snapshot" | "canUse" | "taskIdMac"> {
  /** The listening caller. */
  caller: Caller;
  /** The upstreams' shared subscriptions; absent: no task is honoured. */
  catalog?: CatalogAccess;
  /** The open listens of this instance. */
  listens: TaskListens;
  /** Keep-alive interval of a stream the SDK does not keep (task ids alone); 0 disables. */
  keepAliveMs: number;
  /** Cap on the streams kept here alone (the SDK's own cap counts the others). */
  maxKept: number;
  /** Serves the listen request without its `taskIds` (the SDK, with its resource handling). */
  serve: (parsedBody: unknown) => Promise<Response>;
}

/** One honoured task of a listen. */
/** A task a listen honours, with its upstream listen held until `release`. */
export interface Held {
  taskId: string;
  route: TaskRoute;
  release: () => void;
}

/**
 * Serves a `subscriptions/listen` request; one naming task ids gets their status notifications
 * (above). A request naming task ids without declaring the extension is refused with -32021, as
 * the extension requires. Raises what `serve` raises.
 */
export async function listenTasks(body: unknown, deps: ListenTaskDeps): Promise<Response> {
  const requested = requestedTaskIds(body);
  if (requested === undefined) return await deps.serve(body);
  const request = body as { id?: unknown; params: Record<string, unknown> };
  if (!declaresTasks(request.params)) return missingCapability(request.id);
  const rest = withoutTaskIds(request);
  // Why: a listen of task ids alone is kept here, past the SDK's cap on its streams.
  if (isEmptyFilter(rest) && deps.listens.kept.count >= deps.maxKept) {
    return rpcError(request.id, -32603, "Subscription limit reached", 200);
  }
  const held = await holdTasks(requested, deps);
  const releaseAll = () => held.forEach((task) => task.release());
  let response: Response;
  try {
    response = await deps.serve(rest);
  } catch (error) {
    releaseAll();
    throw error;
  }
  const streamed = response.headers.get("content-type")?.startsWith("text/event-stream") ?? false;
  if (held.length === 0 || response.body === null || !streamed) {
    releaseAll();
    return response;
  }
  const spliced = splice(response.body, {
    subscriptionId: request.id,
    held,
    listens: deps.listens,
    keepAliveMs: deps.keepAliveMs,
    release: releaseAll,
  });
  return new Response(spliced, { status: response.status, headers: response.headers });
}

/**
 * The caller's honoured tasks among `ids`, each with its upstream listen held (HTTP listens here,
 * stdio ones in `stdio_tasks.ts`). Raises nothing.
 */
export async function holdTasks(
  ids: readonly string[],
  deps: Pick<ListenTaskDeps, "snapshot" | "canUse" | "taskIdMac" | "caller" | "catalog">,
): Promise<Held[]> {
  const held: Held[] = [];
  await Promise.all([...new Set(ids)].map(async (taskId) => {
    const route = usableTaskRoute(deps, deps.caller, taskId);
    const upstream = route === undefined ? undefined : deps.catalog?.subscriptions(route.upstream);
    if (route === undefined || upstream === undefined) return;
    try {
      await upstream.acquireTask(route.taskId);
      held.push({ taskId, route, release: () => upstream.releaseTask(route.taskId) });
    } catch {
      // Why silent: a task the upstream will not report on is simply not honoured (see the ack).
    }
  }));
  return held;
}

/** The task ids a listen request names; undefined when it names none. */
export function requestedTaskIds(body: unknown): string[] | undefined {
  const ids = (body as { params?: { notifications?: { taskIds?: unknown } } } | null)?.params
    ?.notifications?.taskIds;
  if (!Array.isArray(ids) || ids.length === 0) return undefined;
  return ids.filter((id): id is string => typeof id === "string");
}

/** Whether a request's envelope declares the tasks extension among the client's capabilities. */
export function declaresTasks(params: Record<string, unknown>): boolean {
  const meta = params._meta as Record<string, unknown> | undefined;
  const declared = meta?.[CLIENT_CAPABILITIES_META_KEY] as { extensions?: unknown } | undefined;
  const extensions = declared?.extensions;
  return typeof extensions === "object" && extensions !== null && TASKS_EXTENSION in extensions;
}

function withoutTaskIds(
  request: { params: Record<string, unknown> },
): { params: { notifications: Record<string, unknown> } } {
  const { taskIds: _, ...rest } = request.params.notifications as Record<string, unknown>;
  return { ...request, params: { ...request.params, notifications: rest } };
}

function isEmptyFilter(request: { params: { notifications: Record<string, unknown> } }): boolean {
  return Object.values(request.params.notifications).every((value) =>
    value === false || (Array.isArray(value) && value.length === 0)
  );
}

/** The -32021 error the extension prescribes to a task listen that did not declare it. */
export const TASKS_MISSING = {
  code: -32021,
  message: "Missing required client capability",
  data: { requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } },
};

function missingCapability(id: unknown): Response {
  return rpcError(id, TASKS_MISSING.code, TASKS_MISSING.message, 400, TASKS_MISSING.data);
}

function rpcError(id: unknown, code: number, message: string, status: number, data?: unknown) {
  const error = { code, message, ...(data === undefined ? {} : { data }) };
  return Response.json({ jsonrpc: "2.0", id: id ?? null, error }, { status });
}

const encoder = new TextEncoder();
const ACK = "notifications/subscriptions/acknowledged";

/**
 * `source` (the SDK's listen stream) with the honoured task ids in its acknowledgement and the
 * tasks' notifications written between its events; kept open after the SDK's own end when the SDK
 * honoured nothing (its filter had task ids alone). A protocol state machine that reads better
 * whole, so longer than most functions here.
 */
function splice(
  source: ReadableStream<Uint8Array>,
  options: {
    subscriptionId: unknown;
    held: readonly Held[];
    listens: TaskListens;
    keepAliveMs: number;
    release: () => void;
  },
): ReadableStream<Uint8Array> {
  const reader = source.pipeThrough(new TextDecoderStream()).getReader();
  let controller: ReadableStreamDefaultController<Uint8Array>;
  let ended = false;
  let acked = false;
  let sdkDone = false;
  const unwatch: Array<() => void> = [];
  let timer: ReturnType<typeof setInterval> | undefined;
  function write(frame: string): void {
    if (ended) return;
    try {
      controller.enqueue(encoder.encode(frame));
    } catch {
      end();
    }
  }
  function end(): void {
    if (ended) return;
    ended = true;
    unwatch.forEach((stop) => stop());
    if (timer !== undefined) clearInterval(timer);
    options.release();
    reader.cancel().catch(() => {});
    try {
      controller.close();
    } catch {
      // Why: the client may already have gone; closing twice is not an error worth reporting.
    }
  }
  function onAck(message: { params: { notifications?: Record<string, unknown> } }): void {
    const honoured = message.params.notifications ?? {};
    // Why: the SDK ends a stream that honours nothing of its own; the tasks keep it open here.
    sdkDone = Object.keys(honoured).length === 0;
    const taskIds = options.held.map((task) => task.taskId);
    const params = { ...message.params, notifications: { ...honoured, taskIds } };
    write(eventOf({ jsonrpc: "2.0", method: ACK, params }));
    acked = true;
    for (const task of options.held) {
      unwatch.push(options.listens.watch(task.route, task.taskId, (status) => {
        const meta = {
          ...(status._meta as object),
          [SUBSCRIPTION_ID_META_KEY]: options.subscriptionId,
        };
        write(
          eventOf({
            jsonrpc: "2.0",
            method: "notifications/tasks",
            params: { ...status, _meta: meta },
          }),
        );
      }));
    }
    if (!sdkDone) return;
    options.listens.kept.count++;
    unwatch.push(() => options.listens.kept.count--);
    if (options.keepAliveMs > 0) {
      timer = setInterval(() => write(": keep-alive\n\n"), options.keepAliveMs);
      Deno.unrefTimer(Number(timer));
    }
  }
  function onEvent(event: string): void {
    if (sdkDone) return;
    const message = acked ? undefined : messageOf(event);
    if (message?.method === ACK) return onAck(message as never);
    write(event);
  }
  async function pump(): Promise<void> {
    let buffered = "";
    try {
      while (!ended) {
        const { done, value } = await reader.read();
        if (done) break;
        buffered += value;
        const cut = buffered.lastIndexOf("\n\n");
        if (cut < 0) continue;
        const complete = buffered.slice(0, cut + 2);
        buffered = buffered.slice(cut + 2);
        for (const event of complete.split(/(?<=\n\n)/)) onEvent(event);
      }
    } catch {
      // Why: a source that fails ends the stream the same way as one that ends.
    }
    if (!sdkDone) end();
  }
  return new ReadableStream<Uint8Array>({
    start(own) {
      controller = own;
      void pump();
    },
    cancel: end,
  });
}

function eventOf(message: Record<string, unknown>): string {
  return `event: message\ndata: ${JSON.stringify(message)}\n\n`;
}

function messageOf(event: string): { method?: unknown } | undefined {
  const data = event.split("\n").filter((line) => line.startsWith("data:"));
  if (data.length === 0) return undefined;
  try {
    return JSON.parse(data.map((line) => line.slice(5).trimStart()).join("\n"));
  } catch {
    return undefined;
  }
}
