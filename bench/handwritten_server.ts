// deno-lint-ignore-file no-console
/**
 * The hand-written baseline: the MCP server a team writes today without a gateway. One
 * `McpServer` per request (the SDK v2 `createMcpHandler` pattern) with `get_item` registered
 * through `registerTool` and a zod input schema; the handler fetches the backend.
 *
 * Usage: deno run --allow-net handwritten_server.ts <backend url>
 * Prints `{"url":"http://127.0.0.1:<port>/mcp"}` on stdout once listening; stops on SIGTERM.
 */

import { type CallToolResult, createMcpHandler, McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";

if (import.meta.main) serveHandwritten(Deno.args[0] ?? "");

function serveHandwritten(backendUrl: string): void {
  if (!backendUrl.startsWith("http")) throw new Error("Usage: handwritten_server.ts <backend url>");
  const handler = createMcpHandler(() => createItemsServer(backendUrl));
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

/** Builds the per-request server exactly as a team would: one tool, zod input, fetch. */
export function createItemsServer(backendUrl: string): McpServer {
  const server = new McpServer({ name: "items", version: "1.0.0" });
  server.registerTool(
    "get_item",
    {
      description: "Fetch one catalogue item by id.",
      inputSchema: z.object({ id: z.string() }),
    },
    async ({ id }): Promise<CallToolResult> => {
      const response = await fetch(`${backendUrl}/items/${encodeURIComponent(id)}`);
      if (!response.ok) {
        await response.body?.cancel();
        return {
          content: [{ type: "text", text: `Backend answered ${response.status}` }],
          isError: true,
        };
      }
      const item = await response.json() as Record<string, unknown>;
      return { content: [{ type: "text", text: JSON.stringify(item) }], structuredContent: item };
    },
  );
  return server;
}
