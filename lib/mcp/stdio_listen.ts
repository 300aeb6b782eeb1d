/**
 * Resource subscriptions of 2026-07-28 clients over stdio: the SDK's stdio entry serves
 * `subscriptions/listen` itself, so the gateway watches the wire on its way in. A listen filter
 * is narrowed to the URIs the caller may read, and the matching upstream subscriptions are held
 * until the client cancels that listen (`notifications/cancelled`) or the connection ends.
 */

import type { JSONRPCMessage, Transport } from "@modelcontextprotocol/server";
import type { Logger } from "../log.ts";
import { type ListenDeps, type ListenTarget, listenTargets, narrowed } from "./listen_resources.ts";
import type { StdioTasks } from "./stdio_tasks.ts";

/**
 * `wire` with its inbound listen requests narrowed and their upstream subscriptions held, and the
 * task listens served by `deps.tasks` (`stdio_tasks.ts`). Raises nothing; a failed upstream
 * subscription is logged (the client then hears no update).
 */
export function watchListens(
  wire: Transport,
  deps: Omit<ListenDeps, "serve"> & { logger: Logger; tasks?: StdioTasks },
): Transport {
  const held = new Map<string | number, ListenTarget[]>();
  function release(id: string | number): void {
    for (const { uri, upstream } of held.get(id) ?? []) upstream.release(uri);
    held.delete(id);
  }
  function inbound(received: JSONRPCMessage): JSONRPCMessage | undefined {
    const request = received as { id?: string | number; method?: unknown; params?: unknown };
    if (request.method === "notifications/cancelled") {
      const id = (request.params as { requestId?: string | number } | undefined)?.requestId;
      if (id !== undefined) release(id);
      if (id !== undefined) deps.tasks?.cancelled(id);
      return received;
    }
    if (request.method !== "subscriptions/listen" || request.id === undefined) return received;
    const message = deps.tasks === undefined ? received : deps.tasks.inbound(received);
    if (message === undefined) return undefined;
    const targets = listenTargets(message, deps);
    if (targets === undefined) return message;
    const id = request.id;
    const acquired: ListenTarget[] = [];
    held.set(id, acquired);
    for (const target of targets) {
      target.upstream.acquire(target.uri).then(() => {
        // Why check: the listen may have been cancelled while the upstream answered.
        if (held.get(id) === acquired) acquired.push(target);
        else target.upstream.release(target.uri);
      }, (error) => deps.logger.warn("Cannot subscribe upstream", { uri: target.uri, error }));
    }
    return narrowed(message, targets.map((target) => target.uri)) as JSONRPCMessage;
  }
  const view: Transport = {
    start: () => wire.start(),
    send: (message, options) => deps.tasks?.outbound(message) ?? wire.send(message, options),
    close: () => wire.close(),
  };
  Object.defineProperties(view, {
    onmessage: {
      get: () => wire.onmessage,
      set(handler: Transport["onmessage"]) {
        wire.onmessage = handler === undefined ? undefined : (message, extra) => {
          const passed = inbound(message);
          if (passed !== undefined) handler(passed, extra);
        };
      },
    },
    onerror: {
      get: () => wire.onerror,
      set(handler: Transport["onerror"]) {
        wire.onerror = handler;
      },
    },
    onclose: {
      get: () => wire.onclose,
      set(handler: Transport["onclose"]) {
        wire.onclose = () => {
          for (const id of [...held.keys()]) release(id);
          deps.tasks?.close();
          handler?.();
        };
      },
    },
  });
  return view;
}
