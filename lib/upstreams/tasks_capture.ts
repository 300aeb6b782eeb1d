/**
 * Lets an upstream's SDK client carry a task handle back from `tools/call`: a 2026-07-28 one
 * (`resultType: "task"`, the tasks extension `io.modelcontextprotocol/tasks`) or a 2025-11-25 core
 * `CreateTaskResult` (`{ task: { taskId, status, … } }`, which the SDK's 2025 `tools/call` result
 * schema refuses without `content`).
 *
 * Why at the transport: the SDK 2.4.0 client decodes a result's `resultType` before any schema
 * and rejects every kind but `complete` and `input_required` ("Unsupported result type"), dropping
 * the result. Each incoming response that is a task handle is therefore rewritten, before the SDK
 * sees it, into a `complete` tool error result holding the handle under a `_meta` key named with
 * a per-process random id. The upstream never learns that key, so it cannot forge a handle; the
 * error flag keeps the SDK's output-schema check and the response cache away from it. The MCP
 * layer takes the handle out again (`capturedTask`) before the calling client sees anything.
 */

import type { Client } from "@modelcontextprotocol/client";
import { CreateTaskResultV1Schema } from "@modelcontextprotocol/ext-tasks/core/v1";
import { isCreateTaskResultV2 } from "@modelcontextprotocol/ext-tasks/core/v2";

/** The extension's identifier, as declared in capabilities. */
export const TASKS_EXTENSION = "io.modelcontextprotocol/tasks";

const MARK = `nexus.internal/task-${crypto.randomUUID()}`;

type Transport = Parameters<Client["connect"]>[0];
type OnMessage = NonNullable<Transport["onmessage"]>;

/** Makes `client` keep task handles its upstream answers `tools/call` with; raises nothing. */
export function captureTaskResults(client: Client): void {
  const connect = client.connect.bind(client);
  client.connect = (transport, options) => connect(capturing(transport), options);
}

/** The upstream's task handle a captured result holds; `undefined` for any other result. */
export function capturedTask(result: unknown): Record<string, unknown> | undefined {
  if (!isRecord(result) || result.isError !== true || !isRecord(result._meta)) return undefined;
  const task = result._meta[MARK];
  return isRecord(task) ? task : undefined;
}

function capturing(transport: Transport): Transport {
  let wrapped: OnMessage | undefined;
  // Why an accessor: the SDK's `connect` assigns `onmessage` (and may again); each assignment is
  // wrapped once, so the per-message cost is one property read and one check.
  Object.defineProperty(transport, "onmessage", {
    configurable: true,
    enumerable: true,
    get: () => wrapped,
    set(handler: OnMessage | undefined) {
      wrapped = handler === undefined
        ? undefined
        : (message, extra) => handler(rewrite(message), extra);
    },
  });
  return transport;
}

function rewrite(message: Parameters<OnMessage>[0]): Parameters<OnMessage>[0] {
  const result = (message as { result?: unknown }).result;
  // Why the extension package's schemas: a malformed handle stays a result the SDK refuses.
  if (!isRecord(result) || !(isTaskV2(result) || isTaskV1(result))) return message;
  // Why without `content`: the SDK server adds an empty one to every tools/call result it sends.
  const { content: _added, ...task } = result as Record<string, unknown>;
  return {
    ...message,
    result: { resultType: "complete", isError: true, content: [], _meta: { [MARK]: task } },
  } as Parameters<OnMessage>[0];
}

function isTaskV2(result: Record<string, unknown>): boolean {
  return result.resultType === "task" && isCreateTaskResultV2(result);
}

function isTaskV1(result: Record<string, unknown>): boolean {
  return isRecord(result.task) && result.resultType === undefined &&
    CreateTaskResultV1Schema.safeParse(result).success;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
