/**
 * The same registry served over stdio, for desktop clients that launch a local binary.
 */

import type { Server } from "@modelcontextprotocol/server";
import { serveStdio } from "@modelcontextprotocol/server/stdio";
import { createServerFactory, type ServerDeps } from "./server_factory.ts";

/** A running stdio connection. */
export interface StdioService {
  /** Tells the connected client the tool list changed (2025-era connections). */
  toolsChanged(): void;
  /** Closes the connection. */
  close(): Promise<void>;
}

/** Serves MCP on this process's stdin/stdout; logs go to stderr. Raises nothing itself. */
export function serveMcpStdio(deps: ServerDeps): StdioService {
  const factory = createServerFactory(deps);
  const instances = new Set<Server>();
  const handle = serveStdio((ctx) => {
    const server = factory(ctx);
    instances.add(server);
    return server;
  }, { onerror: (error) => deps.logger.debug("stdio exchange rejected", { error }) });
  return {
    toolsChanged() {
      for (const server of instances) {
        // Why: the probe instance of a negotiating client is never connected; it rejects.
        server.sendToolListChanged().catch(() => instances.delete(server));
      }
    },
    close: () => handle.close(),
  };
}
