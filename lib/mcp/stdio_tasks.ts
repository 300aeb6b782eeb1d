/**
 * Task status notifications for the gateway's stdio client, in the era its connection negotiated,
 * for the tasks that client's principal created (the same scoping as over HTTP):
 *
 * - a 2025 connection gets the 2025-11-25 `notifications/tasks/status` of the core tasks it created
 *   (their owners remembered per connection), unasked, as a 2025 HTTP client gets them on its
 *   `GET /mcp` stream;
 * - a 2026-07-28 connection gets the tasks extension's `notifications/tasks` on a
 *   `subscriptions/listen` naming its gateway task ids, as over HTTP (`listen_tasks.ts`): refused
 *   with -32021 unless the listen declares the extension, ids not the caller's (or whose upstream it
 *   may no longer use) left out, and one upstream listen per task held until the client cancels the
 *   listen or the connection ends.
 *
 * Why on the wire: the SDK's stdio entry serves `subscriptions/listen` itself and drops `taskIds`.
 * The gateway takes them out of the request on its way in, and on the way out holds the entry's
 * acknowledgement (and anything else for that listen) until the upstream listens are in place,
 * adds the honoured ids to it, then writes the tasks' notifications stamped with the listen's id.
 */

import {
  type JSONRPCMessage,
  PROTOCOL_VERSION_META_KEY,
  SUBSCRIPTION_ID_META_KEY,
  type Transport,
} from "@modelcontextprotocol/server";
import type { Caller } from "../auth/mod.ts";
import type { Logger } from "../log.ts";
import type { TaskStatusMethod } from "../upstreams/mod.ts";
import type { CatalogAccess } from "./catalog_handlers.ts";
import {
  declaresTasks,
  type Held,
  holdTasks,
  requestedTaskIds,
  TASKS_MISSING,
} from "./listen_tasks.ts";
import { createTaskListens } from "./task_listens.ts";
import { ownedTaskStatus, type TaskOwners } from "./task_owners.ts";
import type { ServerDeps } from "./server_factory.ts";
import type { PipelineHooks } from "./stages.ts";

/** The task notifications of one stdio connection. */
export interface StdioTasks {
  /**
   * An inbound message on its way to the SDK: a task listen without its `taskIds`, undefined when
   * answered here (-32021); anything else as it came.
   */
  inbound(message: JSONRPCMessage): JSONRPCMessage | undefined;
  /**
   * An outbound message of a task listen, written once the listen's upstream listens are in place:
   * the write, or a settled promise for the acknowledgement (the SDK's entry awaits it before it
   * reads the next message); undefined for any other message (the caller writes it).
   */
  outbound(message: JSONRPCMessage): Promise<void> | undefined;
  /** The client cancelled request `id` (perhaps a listen). */
  cancelled(id: string | number): void;
  /** Relays an upstream's task status (its own task id in `params`) to this client when its own. */
  status(upstream: string, params: Record<string, unknown>, method: TaskStatusMethod): void;
  /** Releases every held upstream listen (the connection ended). */
  close(): void;
}

/** What the connection's task notifications read. */
export interface StdioTaskDeps extends Pick<ServerDeps, "snapshot" | "taskIdMac"> {
  /** The connection's one caller. */
  caller: Caller;
  /** The policy check shared with tools. */
  canUse: PipelineHooks["canUse"];
  /** The upstreams' shared subscriptions; absent: no task is honoured. */
  catalog?: CatalogAccess;
  /** The owners of the 2025 tasks created on this connection. */
  owners: TaskOwners;
  /** Where a failed write to the client is logged. */
  logger: Logger;
}

interface Listen {
  /** Settles once every upstream listen was tried; what is written for the listen waits on it. */
  gate: Promise<void>;
  held: Held[];
  unwatch: Array<() => void>;
}

/** Creates the task notifications of a connection writing to `wire`. Raises nothing. */
export function createStdioTasks(wire: Transport, deps: StdioTaskDeps): StdioTasks {
  const table = createTaskListens();
  const listens = new Map<string | number, Listen>();
  const write = (message: JSONRPCMessage) =>
    wire.send(message).catch((error) => deps.logger.debug("Cannot write to stdio", { error }));
  function end(id: string | number): void {
    const listen = listens.get(id);
    if (listen === undefined) return;
    listens.delete(id);
    // Why after the gate: an upstream listen still being made is released once it is.
    void listen.gate.then(() => {
      listen.unwatch.forEach((stop) => stop());
      listen.held.forEach((task) => task.release());
    });
  }
  function open(id: string | number, ids: readonly string[]): void {
    const listen: Listen = { gate: Promise.resolve(), held: [], unwatch: [] };
    listens.set(id, listen);
    listen.gate = holdTasks(ids, deps).then((held) => {
      listen.held = held;
    });
  }
  function acknowledged(id: string | number, message: Notification): JSONRPCMessage {
    const listen = listens.get(id);
    if (listen === undefined) return message as JSONRPCMessage;
    const honoured = message.params.notifications ?? {};
    for (const task of listen.held) {
      listen.unwatch.push(table.watch(task.route, task.taskId, (status) => {
        const _meta = { ...(status._meta as object), [SUBSCRIPTION_ID_META_KEY]: id };
        void write({ jsonrpc: "2.0", method: "notifications/tasks", params: { ...status, _meta } });
      }));
    }
    const taskIds = listen.held.map((task) => task.taskId);
    const params = { ...message.params, notifications: { ...honoured, taskIds } };
    return { ...message, params } as JSONRPCMessage;
  }
  return {
    inbound(message) {
      const request = message as { id?: string | number; method?: string; params?: unknown };
      if (request.method !== "subscriptions/listen" || request.id === undefined) return message;
      const ids = requestedTaskIds(message);
      const params = request.params as Record<string, unknown>;
      const meta = params._meta as Record<string, unknown> | undefined;
      // Why only with the 2026-07-28 envelope: a 2025 connection has no listen to honour.
      if (ids === undefined || meta === undefined || !(PROTOCOL_VERSION_META_KEY in meta)) {
        return message;
      }
      if (!declaresTasks(params)) {
        void write({ jsonrpc: "2.0", id: request.id, error: TASKS_MISSING });
        return undefined;
      }
      open(request.id, ids);
      const { taskIds: _, ...rest } = params.notifications as Record<string, unknown>;
      return { ...message, params: { ...params, notifications: rest } } as JSONRPCMessage;
    },
    outbound(message) {
      const id = listenIdOf(message);
      const listen = id === undefined ? undefined : listens.get(id);
      if (id === undefined || listen === undefined) return undefined;
      const ack = isAck(message);
      const sent = listen.gate.then(() =>
        write(ack ? acknowledged(id, message as Notification) : message)
      );
      listen.gate = sent;
      // Why: the listen's end (an error or the entry's closing result) releases what it holds.
      if ("id" in message) end(id);
      return ack ? Promise.resolve() : sent;
    },
    cancelled: end,
    status(upstream, params, method) {
      if (method === "notifications/tasks") return table.deliver(upstream, params);
      const owned = ownedTaskStatus(deps.owners, upstream, params);
      // Why check the principal in this connection's own table: the rule is HTTP's, said here.
      if (owned?.owner.era !== "legacy" || owned.owner.principalId !== deps.caller.principal.id) {
        return;
      }
      void write({ jsonrpc: "2.0", method: "notifications/tasks/status", params: owned.params });
    },
    close() {
      for (const id of [...listens.keys()]) end(id);
    },
  };
}

type Notification = {
  jsonrpc: "2.0";
  method: string;
  params: { notifications?: Record<string, unknown> };
};

const ACK = "notifications/subscriptions/acknowledged";

function isAck(message: JSONRPCMessage): boolean {
  return (message as { method?: unknown }).method === ACK;
}

/** The listen a message belongs to: a notification's subscription id, or a response's id. */
function listenIdOf(message: JSONRPCMessage): string | number | undefined {
  if ("id" in message && !("method" in message)) return message.id ?? undefined;
  if (!("method" in message) || "id" in message) return undefined;
  const meta = (message.params as { _meta?: Record<string, unknown> } | undefined)?._meta;
  const id = meta?.[SUBSCRIPTION_ID_META_KEY];
  return typeof id === "string" || typeof id === "number" ? id : undefined;
}
