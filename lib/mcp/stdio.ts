/**
 * The same registry served over stdio, for desktop clients that launch a local binary.
 */

import type { Server } from "@modelcontextprotocol/server";
import { serveStdio, StdioServerTransport } from "@modelcontextprotocol/server/stdio";
import { anonymousPrincipal, DEFAULT_SERVER } from "../auth/mod.ts";
import { GatewayError } from "../errors.ts";
import { createResourceSubscribers } from "./resource_subscribers.ts";
import { createServerFactory, type ServerDeps } from "./server_factory.ts";
import { watchListens } from "./stdio_listen.ts";

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
  const factory = createServerFactory({
    ...deps,
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
  const handle = serveStdio((ctx) => {
    const server = factory(ctx);
    instances.set(server, ctx.era);
    return server;
  }, {
    onerror: (error) => deps.logger.debug("stdio exchange rejected", { error }),
    transport: watchListens(new StdioServerTransport(), {
      caller: deps.fallbackCaller ??
        { principal: anonymousPrincipal(undefined), server: DEFAULT_SERVER },
      ...(deps.catalog ? { catalog: deps.catalog } : {}),
      snapshot: deps.snapshot,
      canUse: deps.hooks.canUse,
      logger: deps.logger,
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
    async close() {
      subscribers.clear();
      await handle.close();
    },
  };
}
