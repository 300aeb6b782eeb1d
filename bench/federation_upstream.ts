// deno-lint-ignore-file no-console
/**
 * The upstream of the federation section: one SDK v2 `McpServer` with `get_item(id)` (zod input),
 * answering the backend's item from memory (no backend call, so only the MCP hops are measured).
 * The same factory is served two ways:
 *
 * - `stdio`: `serveStdio(factory)`, what Nexus, mcp-proxy and supergateway front;
 * - `http`: `createMcpHandler(factory)` through `Deno.serve` on 127.0.0.1, port 0 (the "direct"
 *   set-up). Prints `{"url":"http://127.0.0.1:<port>/mcp"}` on stdout once listening.
 *
 * Usage: deno run --allow-net --allow-env federation_upstream.ts stdio|http
 */

import { type CallToolResult, createMcpHandler, McpServer } from "@modelcontextprotocol/server";
import { serveStdio } from "@modelcontextprotocol/server/stdio";
import { z } from "zod";
import { itemFor } from "./backend_server.ts";

if (import.meta.main) serveUpstream(Deno.args[0] ?? "");

function serveUpstream(mode: string): void {
  if (mode === "stdio") {
    serveStdio(createUpstreamServer);
    return;
  }
  if (mode !== "http") throw new Error("Usage: federation_upstream.ts stdio|http");
  const handler = createMcpHandler(createUpstreamServer);
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (request) =>
      new URL(request.url).pathname === "/mcp"
        ? handler.fetch(request)
        : new Response("Not found", { status: 404 }),
  );
  console.log(JSON.stringify({ url: `http://127.0.0.1:${server.addr.port}/mcp` }));
  Deno.addSignalListener("SIGTERM", () => {
    handler.close().then(() => server.shutdown()).then(() => Deno.exit(0));
  });
}

/** The upstream's one tool, registered as a team would: zod input, item as text and structured. */
export function createUpstreamServer(): McpServer {
  const server = new McpServer({ name: "items-upstream", version: "1.0.0" });
  server.registerTool(
    "get_item",
    {
      description: "Fetch one catalogue item by id.",
      inputSchema: z.object({ id: z.string() }),
    },
    ({ id }): CallToolResult => {
      const item = itemFor(id);
      return { content: [{ type: "text", text: JSON.stringify(item) }], structuredContent: item };
    },
  );
  return server;
}
