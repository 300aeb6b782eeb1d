/**
 * The tasks extension (`io.modelcontextprotocol/tasks`, 2026-07-28) relayed to upstreams: a
 * client that declares it on a `tools/call` has it declared on the upstream call too; a task
 * handle the upstream answers with reaches the client under a gateway task id
 * (`nexus.task.1.…`, bound to the calling principal); `tasks/get`, `tasks/update` and
 * `tasks/cancel` go back to the owning upstream with its own task id, and their results pass
 * through with only the task id swapped back. A client that did not declare the extension never
 * gets a task: the upstream is not told of it, and a handle it sends anyway is refused.
 */

import {
  CLIENT_CAPABILITIES_META_KEY,
  ProtocolError,
  type Server,
  type ServerContext,
} from "@modelcontextprotocol/server";
import { z } from "zod";
import type { Caller } from "../auth/mod.ts";
import { GatewayError } from "../errors.ts";
import type { RegistrySnapshot } from "../registry/mod.ts";
import type { DownstreamCall, McpBackendSpec, ToolResult } from "../registry/types.ts";
import {
  capturedTask,
  readTaskId,
  type TaskRoute,
  TASKS_EXTENSION,
  writeTaskId,
} from "../upstreams/mod.ts";
import { errorResult } from "./call_checks.ts";
import type { PipelineHooks } from "./stages.ts";
import { type EndedTasks, recordTaskEnd, taskEnd } from "./task_audit.ts";
import type { TaskOwners } from "./task_owners.ts";

export { createEndedTasks } from "./task_audit.ts";

/** What the task handlers read. */
export interface TaskHandlerDeps {
  /** The registry snapshot: a task's upstream is reached through a tool the caller may use. */
  snapshot: () => RegistrySnapshot;
  /** The policy check shared with tools. */
  canUse: PipelineHooks["canUse"];
  /** The keyed hash gateway task ids are tagged with; absent: untagged ids. */
  taskIdMac?: (text: string) => string;
  /** Where a task's end is recorded (the audit log); absent: not recorded. */
  onTaskEvent?: PipelineHooks["onTaskEvent"];
  /** The tasks whose end this instance recorded already. */
  ended: EndedTasks;
}

/** The server capability a 2026-07-28 server instance declares (tasks are never required). */
export const TASKS_CAPABILITY: Record<string, Record<string, never>> = { [TASKS_EXTENSION]: {} };

/** Per-hop keys of an upstream's result `_meta`: they describe the upstream, not the task. */
const HOP_META_KEYS = ["io.modelcontextprotocol/serverInfo"];

/** Whether the request `ctx` handles declared the tasks extension (2026-07-28 envelope). */
export function acceptsTasks(ctx: ServerContext): boolean {
  const envelope = ctx.mcpReq.envelope as Record<string, unknown> | undefined;
  const declared = envelope?.[CLIENT_CAPABILITIES_META_KEY] as
    | { extensions?: Record<string, unknown> }
    | undefined;
  const extensions = declared?.extensions;
  return typeof extensions === "object" && extensions !== null && TASKS_EXTENSION in extensions;
}

/** `downstream` with the tasks extension added to the capabilities told to the upstream. */
export function withTaskCapability(downstream: DownstreamCall): DownstreamCall {
  const capabilities = downstream.capabilities ?? {};
  const extensions = (capabilities.extensions ?? {}) as Record<string, unknown>;
  return {
    ...downstream,
    capabilities: { ...capabilities, extensions: { ...extensions, [TASKS_EXTENSION]: {} } },
  };
}

/** Whether the upstream is told, on this call, that the client accepts a task. */
export function declaresTasks(downstream: DownstreamCall | undefined): boolean {
  const extensions = downstream?.capabilities?.extensions;
  return typeof extensions === "object" && extensions !== null && TASKS_EXTENSION in extensions;
}

/**
 * The result the client gets for a `tools/call` of `toolName`: the upstream's task handle under a
 * gateway task id when the result holds one, any other result untouched; an UPSTREAM_ERROR tool
 * error result when the upstream made a task the client did not accept. Raises nothing.
 */
export function relayTaskResult(
  result: ToolResult,
  call: {
    snapshot: RegistrySnapshot;
    toolName: string;
    principal: string;
    accepted: boolean;
    era: "legacy" | "modern";
    /** Where the task's owner is remembered, for its status notifications; absent: not. */
    owners?: TaskOwners;
    taskIdMac?: (text: string) => string;
  },
): ToolResult {
  const task = capturedTask(result);
  if (task === undefined) return result;
  const backend = call.snapshot.byName.get(call.toolName)?.backend;
  // Why the era must match: a 2025 client reads `{ task }`, a 2026-07-28 one `resultType: "task"`.
  const core = isRecord(task.task) ? task.task : undefined;
  if (
    !call.accepted || backend?.kind !== "mcp" || (core !== undefined) !== (call.era === "legacy")
  ) {
    return errorResult(
      new GatewayError(
        "UPSTREAM_ERROR",
        `Upstream answered tools/call "${call.toolName}" with a task the client did not ask for`,
      ),
    );
  }
  const taskId = writeTaskId({
    upstream: backend.upstream,
    principal: call.principal,
    taskId: String((core ?? task).taskId),
  }, call.taskIdMac);
  call.owners?.remember(backend.upstream, String((core ?? task).taskId), {
    principalId: call.principal,
    taskId,
    era: call.era,
  });
  if (core === undefined) return withoutHopMeta({ ...task, taskId }) as unknown as ToolResult;
  // Why `content: []`: the SDK's 2025 result check refuses a `task` key without it, and a
  // 2025-11-25 CreateTaskResult may carry other keys.
  const handle = { ...task, content: [], task: { ...core, taskId } };
  return withClientTaskId(withoutHopMeta(handle), taskId) as unknown as ToolResult;
}

/** The 2025-11-25 `_meta` key naming the task a message belongs to (`{ taskId }`). */
const RELATED_TASK_KEY = "io.modelcontextprotocol/related-task";

/** `result` with the upstream's task id in its related-task `_meta` replaced by `taskId`. */
function withClientTaskId(
  result: Record<string, unknown>,
  taskId: string,
): Record<string, unknown> {
  const meta = result._meta as Record<string, unknown> | undefined;
  if (meta === undefined || !isRecord(meta[RELATED_TASK_KEY])) return result;
  return { ...result, _meta: { ...meta, [RELATED_TASK_KEY]: { taskId } } };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const TaskIdParams = z.looseObject({ taskId: z.string() });
const AnyResult = z.looseObject({});

/** Registers `tasks/get`, `tasks/update` and `tasks/cancel` on a 2026-07-28 server instance. */
export function registerTaskHandlers(
  server: Server,
  deps: TaskHandlerDeps,
  caller: Caller,
  guard: <T>(body: () => Promise<T>) => Promise<T>,
): void {
  server.setRequestHandler(
    "tasks/get",
    { params: TaskIdParams },
    (params, ctx) =>
      guard(() =>
        relayTaskRequest(deps, caller, { method: "tasks/get", params, signal: ctx.mcpReq.signal })
      ),
  );
  // Why from the context: the SDK lifts `inputResponses` out of the params of every request.
  server.setRequestHandler(
    "tasks/update",
    { params: TaskIdParams },
    (params, ctx) =>
      guard(() =>
        relayTaskRequest(deps, caller, {
          method: "tasks/update",
          params: {
            taskId: params.taskId,
            inputResponses: params.inputResponses ?? ctx.mcpReq.inputResponses ?? {},
          },
          signal: ctx.mcpReq.signal,
        })
      ),
  );
  server.setRequestHandler(
    "tasks/cancel",
    { params: TaskIdParams },
    (params, ctx) =>
      guard(() =>
        relayTaskRequest(deps, caller, {
          method: "tasks/cancel",
          params,
          signal: ctx.mcpReq.signal,
        })
      ),
  );
}

type RawRequest = (
  request: { method: string; params: Record<string, unknown> },
  schema: typeof AnyResult,
  options: { signal: AbortSignal; timeout: number },
) => Promise<Record<string, unknown>>;

/**
 * Sends one `tasks/*` request for gateway task id `params.taskId` to the task's upstream with the
 * upstream's own id, and returns its result with the id swapped back.
 * @throws GatewayError INVALID_PARAMS ("task not found": not the caller's, forged, or its upstream
 *   no longer usable), UPSTREAM_UNAVAILABLE; the upstream's JSON-RPC error as a ProtocolError.
 */
export async function relayTaskRequest(
  deps: TaskHandlerDeps,
  caller: Caller,
  call: {
    method: string;
    params: { taskId: string } & Record<string, unknown>;
    signal: AbortSignal;
  },
): Promise<Record<string, unknown>> {
  const startedAt = new Date();
  const clientTaskId = call.params.taskId;
  const route = readTaskId(clientTaskId, caller.principal.id, deps.taskIdMac);
  const backend = route === undefined ? undefined : backendOf(deps, caller, route.upstream);
  // Why one answer for all three: an id of another principal, a forged one and one whose
  // upstream the caller may no longer use must not be told apart.
  if (route === undefined || backend === undefined) {
    throw new GatewayError("INVALID_PARAMS", "Invalid params: task not found");
  }
  const client = await backend.client({ principal: caller.principal.id });
  const request = (client as unknown as { request?: RawRequest }).request;
  if (typeof request !== "function") {
    throw new GatewayError("UPSTREAM_UNAVAILABLE", `Upstream "${route.upstream}" has no client`);
  }
  let result: Record<string, unknown>;
  try {
    result = await request.call(
      client,
      { method: call.method, params: { ...call.params, taskId: route.taskId } },
      AnyResult,
      { signal: call.signal, timeout: backend.timeoutMs },
    );
  } catch (error) {
    throw upstreamFailure(error, route.upstream);
  }
  const event = taskEnd(call.method, result);
  if (event !== undefined) {
    recordTaskEnd(deps, { caller, method: call.method, id: clientTaskId, event, startedAt });
  }
  const relayed = "taskId" in result ? { ...result, taskId: clientTaskId } : result;
  return withClientTaskId(withoutHopMeta(relayed), clientTaskId);
}

/**
 * The upstream and upstream task id behind gateway task id `taskId`: undefined when the id is not
 * `caller`'s (or forged) or its upstream is no longer usable to `caller`. Raises nothing.
 */
export function usableTaskRoute(
  deps: Pick<TaskHandlerDeps, "snapshot" | "canUse" | "taskIdMac">,
  caller: Caller,
  taskId: string,
): TaskRoute | undefined {
  const route = readTaskId(taskId, caller.principal.id, deps.taskIdMac);
  if (route === undefined) return undefined;
  return backendOf(deps, caller, route.upstream) === undefined ? undefined : route;
}

/** The `mcp` backend of a tool of `upstream` that `caller` may use; `undefined` when none. */
function backendOf(
  deps: Pick<TaskHandlerDeps, "snapshot" | "canUse">,
  caller: Caller,
  upstream: string,
): McpBackendSpec | undefined {
  for (const tool of deps.snapshot().tools) {
    const backend = tool.backend;
    if (backend.kind === "mcp" && backend.upstream === upstream && deps.canUse(caller, tool)) {
      return backend;
    }
  }
  return undefined;
}

function upstreamFailure(error: unknown, upstream: string): Error {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  // Why: a numeric code is the upstream's own JSON-RPC answer (a task it does not know, bad
  // input); the client gets it as the upstream gave it.
  if (typeof code === "number") return new ProtocolError(code, message);
  return new GatewayError("UPSTREAM_UNAVAILABLE", `Upstream "${upstream}" is unavailable`, {
    cause: error,
  });
}

function withoutHopMeta(result: Record<string, unknown>): Record<string, unknown> {
  const meta = result._meta as Record<string, unknown> | undefined;
  if (meta === undefined || !HOP_META_KEYS.some((key) => key in meta)) return result;
  const kept = Object.fromEntries(
    Object.entries(meta).filter(([key]) => !HOP_META_KEYS.includes(key)),
  );
  const { _meta: _dropped, ...rest } = result;
  return Object.keys(kept).length === 0 ? rest : { ...rest, _meta: kept };
}
