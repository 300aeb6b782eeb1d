/**
 * The same registry served over stdio, for desktop clients that launch a local binary, with the
 * same notifications as over HTTP: list changes, resource updates and relayed task status.
 */

import type { Server } from "@modelcontextprotocol/server";
import { serveStdio, StdioServerTransport } from "@modelcontextprotocol/server/stdio";
import { anonymousPrincipal, DEFAULT_SERVER } from "../auth/mod.ts";
import { GatewayError } from "../errors.ts";
import type { TaskStatusMethod } from "../upstreams/mod.ts";
import { createResourceSubscribers } from "./resource_subscribers.ts";
import { createServerFactory, type ServerDeps } from "./server_factory.ts";
import { watchListens } from "./stdio_listen.ts";
import { createStdioTasks } from "./stdio_tasks.ts";
import { createTaskOwners } from "./task_owners.ts";

/** A running stdio connection. */
export interface StdioService {
  /** Tells the connected client the tool list changed. */
  toolsChanged(): void;
  /** Tells the connected client the prompt list changed. */
  promptsChanged(): void;
  /** Tells the connected client the resource (or template) list changed. */
  resourcesChanged(): void;
  /**
   * Tells the connected client that `uri` changed: a 2025-era connection when it subscribed with
   * `resources/subscribe`, a 2026-07-28 one when its listen filter names the URI (the SDK filters).
   */
  resourceUpdated(uri: string): void;
  /**
   * Relays upstream `upstream`'s task status notification (its own task id in `params`) to the
   * connected client under the gateway's task id, when the client created that task: a 2025
   * client gets `notifications/tasks/status`, a 2026-07-28 one `notifications/tasks` on a listen
   * naming the task (`stdio_tasks.ts`).
   */
  taskStatus(upstream: string, params: Record<string, unknown>, method: TaskStatusMethod): void;
  /** Closes the connection. */
  close(): Promise<void>;
}

/** Serves MCP on this process's stdin/stdout; logs go to stderr. Raises nothing itself. */
export function serveMcpStdio(deps: ServerDeps): StdioService {
  const subscribers = createResourceSubscribers(() =>
    new GatewayError("RATE_LIMITED", "Too many resource subscriptions for one client")
  );
  const keys = new WeakMap<Server, string>();
  let next = 0;
  // Why per connection: the one client here is the owner of every task created through it.
  const owners = createTaskOwners();
  const factory = createServerFactory({
    ...deps,
    taskOwners: owners,
    subscribers: {
      registry: subscribers,
      keyOf: (_caller, server) => {
        let key = keys.get(server);
        if (key === undefined) keys.set(server, key = `stdio-${++next}`);
        return key;
      },
    },
  });
  const instances = new Map<Server, "legacy" | "modern">();
  const caller = deps.fallbackCaller ??
    { principal: anonymousPrincipal(undefined), server: DEFAULT_SERVER };
  const wire = new StdioServerTransport();
  const tasks = createStdioTasks(wire, {
    caller,
    ...(deps.catalog ? { catalog: deps.catalog } : {}),
    snapshot: deps.snapshot,
    canUse: deps.hooks.canUse,
    ...(deps.taskIdMac === undefined ? {} : { taskIdMac: deps.taskIdMac }),
    owners,
    logger: deps.logger,
  });
  const handle = serveStdio((ctx) => {
    const server = factory(ctx);
    instances.set(server, ctx.era);
    return server;
  }, {
    onerror: (error) => deps.logger.debug("stdio exchange rejected", { error }),
    transport: watchListens(wire, {
      caller,
      ...(deps.catalog ? { catalog: deps.catalog } : {}),
      snapshot: deps.snapshot,
      canUse: deps.hooks.canUse,
      logger: deps.logger,
      tasks,
    }),
  });
  function each(send: (server: Server, era: "legacy" | "modern") => Promise<void> | undefined) {
    for (const [server, era] of instances) {
      // Why: the probe instance of a negotiating client is never connected; it rejects.
      send(server, era)?.catch(() => instances.delete(server));
    }
  }
  return {
    toolsChanged: () => each((server) => server.sendToolListChanged()),
    promptsChanged: () => each((server) => server.sendPromptListChanged()),
    resourcesChanged: () => each((server) => server.sendResourceListChanged()),
    resourceUpdated(uri) {
      each((server, era) => {
        if (era === "legacy" && !subscribers.has(keys.get(server) ?? "", uri)) return undefined;
        return server.sendResourceUpdated({ uri });
      });
    },
    taskStatus: (upstream, params, method) => tasks.status(upstream, params, method),
    async close() {
      subscribers.clear();
      tasks.close();
      await handle.close();
    },
  };
}
