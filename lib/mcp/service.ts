/**
 * The MCP surface over Streamable HTTP: 2026-07-28 requests through the SDK's per-request
 * handler, 2025-era requests through its stateless fallback, and change notifications to both.
 */

import { createMcpHandler } from "@modelcontextprotocol/server";
import { createLegacyListenHub } from "./legacy_listen.ts";
import type { Caller } from "../auth/mod.ts";
import { CALLER_KEY, createServerFactory, type ServerDeps } from "./server_factory.ts";

/** Options for the MCP service. */
export interface McpServiceOptions extends ServerDeps {
  /** Cap on open notification streams (2025 GET streams and 2026 listen streams, each). */
  maxListenStreams: number;
  /** Keep-alive interval for SSE streams; 0 disables. */
  keepAliveMs?: number;
  /** Body size bound the SDK applies to bodies it reads itself. */
  maxBodyBytes: number;
}

/** The MCP endpoint as a fetch-shaped service. */
export interface McpService {
  /** Serves one request to the MCP endpoint for `caller`; `parsedBody` is the read JSON body. */
  fetch(request: Request, options: { caller: Caller; parsedBody?: unknown }): Promise<Response>;
  /** Tells every listening client (both eras) that the tool list changed. */
  toolsChanged(): void;
  /** Number of open notification streams (2025 era). */
  legacyStreams(): number;
  /** Aborts open streams and in-flight modern exchanges. */
  close(): Promise<void>;
}

/** Creates the MCP service. Raises nothing itself; errors are answered on the wire. */
export function createMcpService(options: McpServiceOptions): McpService {
  const keepAliveMs = options.keepAliveMs ?? 15_000;
  const factory = createServerFactory(options);
  const handler = createMcpHandler(factory, {
    legacy: "stateless",
    maxSubscriptions: options.maxListenStreams,
    maxRequestBodySize: options.maxBodyBytes,
    keepAliveMs,
    onerror: (error) => options.logger.debug("MCP exchange rejected", { error }),
  });
  const hub = createLegacyListenHub({
    maxStreams: options.maxListenStreams,
    keepAliveMs,
    logger: options.logger,
  });
  return {
    fetch(request, { caller, parsedBody }) {
      // Why: 2026-07-28 has no GET; a GET is a 2025-era client opening its notification stream.
      if (request.method === "GET") return Promise.resolve(openLegacyStream(request, hub));
      // Why: the SDK passes authInfo through to the factory untouched; the caller rides in it.
      const authInfo = {
        token: "",
        clientId: caller.principal.id,
        scopes: [],
        extra: { [CALLER_KEY]: caller },
      };
      return handler.fetch(
        request,
        parsedBody === undefined ? { authInfo } : { authInfo, parsedBody },
      );
    },
    toolsChanged() {
      handler.notify.toolsChanged();
      hub.toolsChanged();
    },
    legacyStreams: () => hub.size(),
    async close() {
      hub.close();
      await handler.close();
    },
  };
}

function openLegacyStream(
  request: Request,
  hub: ReturnType<typeof createLegacyListenHub>,
): Response {
  const accept = request.headers.get("accept") ?? "";
  if (!accept.includes("text/event-stream")) {
    return new Response("GET /mcp needs Accept: text/event-stream", {
      status: 406,
      headers: { allow: "GET, POST, DELETE" },
    });
  }
  return hub.open(request);
}
