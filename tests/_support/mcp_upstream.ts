/**
 * A real upstream MCP server for federation tests, written with SDK v2 (`@modelcontextprotocol/
 * server`, low-level `Server` behind `createMcpHandler`) and served over Streamable HTTP with
 * Deno.serve on 127.0.0.1 (port 0). It serves both protocol eras (2026-07-28 and the stateless
 * 2025 fallback), or with `legacyOnly` only 2025 (as a server built before 2026-07-28), optionally
 * demands a bearer token (401 without it), and records the
 * `Authorization` header and the protocol revision of every request it receives.
 *
 * Tools: `echo` (read-only; echoes `text`, with `_meta` on the result), `fail` (an `isError`
 * result), `structured` (`outputSchema`, `structuredContent`, annotations, `icons` and `_meta` on
 * the tool), `slow` (answers after `ms`), `admin_reset` and `internal_debug` (for allow/deny tests).
 */

import { createMcpHandler, isLegacyRequest, Server } from "@modelcontextprotocol/server";

/** A running fixture upstream. */
export interface McpUpstream {
  /** The MCP endpoint, `http://127.0.0.1:port/mcp`. */
  url: string;
  /** Every `Authorization` header received (absent headers as `null`). */
  authorizations(): Array<string | null>;
  /** The `MCP-Protocol-Version` header of every POST received. */
  protocolVersions(): string[];
  /** The `traceparent` header of every POST received (absent headers as `null`). */
  traceparents(): Array<string | null>;
  /** How many `tools/call` requests for `name` the upstream answered. */
  calls(name: string): number;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** The tools the fixture lists, exactly as sent. */
export const FIXTURE_TOOLS = [
  {
    name: "echo",
    description: "Echoes its text.",
    inputSchema: { type: "object", properties: { text: { type: "string" } }, required: ["text"] },
    annotations: { readOnlyHint: true },
  },
  {
    name: "fail",
    description: "Always answers with an error result.",
    inputSchema: { type: "object", properties: {} },
  },
  {
    name: "structured",
    title: "Structured",
    description: "Answers with structured content.",
    inputSchema: { type: "object", properties: { n: { type: "integer" } } },
    outputSchema: {
      type: "object",
      properties: { doubled: { type: "integer" } },
      required: ["doubled"],
    },
    annotations: { readOnlyHint: true, openWorldHint: false },
    icons: [{ src: "https://example.com/icon.png", mimeType: "image/png" }],
    _meta: { "example.com/owner": "fixture" },
  },
  {
    name: "admin_reset",
    description: "Resets everything.",
    inputSchema: { type: "object", properties: {} },
    annotations: { destructiveHint: true },
  },
  {
    name: "slow",
    description: "Answers after `ms` milliseconds.",
    inputSchema: { type: "object", properties: { ms: { type: "integer" } } },
  },
  {
    name: "internal_debug",
    description: "Debug internals.",
    inputSchema: { type: "object", properties: {} },
  },
];

/** Starts the fixture; `await using` closes it. */
export function startMcpUpstream(
  options: {
    bearer?: string;
    legacyOnly?: boolean;
    port?: number;
    /** What `tools/list` answers, asked at each listing; default `FIXTURE_TOOLS`. */
    tools?: () => readonly object[];
  } = {},
): McpUpstream {
  const authorizations: Array<string | null> = [];
  const versions: string[] = [];
  const traceparents: Array<string | null> = [];
  const calls = new Map<string, number>();
  function count(name: string): void {
    calls.set(name, (calls.get(name) ?? 0) + 1);
  }
  const handler = createMcpHandler(
    () => buildServer(count, options.tools ?? (() => FIXTURE_TOOLS)),
    { legacy: "stateless" },
  );
  const server = Deno.serve(
    { port: options.port ?? 0, hostname: "127.0.0.1", onListen() {} },
    async (request) => {
      const authorization = request.headers.get("authorization");
      authorizations.push(authorization);
      if (request.method === "POST") {
        versions.push(request.headers.get("mcp-protocol-version") ?? "");
        traceparents.push(request.headers.get("traceparent"));
      }
      if (options.bearer !== undefined && authorization !== `Bearer ${options.bearer}`) {
        return new Response("unauthorized", { status: 401 });
      }
      if (options.legacyOnly && request.method === "POST" && !await isLegacyRequest(request)) {
        return await answerAsLegacyServer(request);
      }
      return await handler.fetch(request);
    },
  );
  const close = async () => {
    await handler.close();
    await server.shutdown();
  };
  return {
    url: `http://127.0.0.1:${server.addr.port}/mcp`,
    authorizations: () => [...authorizations],
    protocolVersions: () => [...versions],
    traceparents: () => [...traceparents],
    calls: (name) => calls.get(name) ?? 0,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** What a 2025-only server answers a 2026-07-28 request (`server/discover`): method not found. */
async function answerAsLegacyServer(request: Request): Promise<Response> {
  const body = await request.json().catch(() => ({}));
  return Response.json({
    jsonrpc: "2.0",
    id: body?.id ?? null,
    error: { code: -32601, message: "Method not found" },
  });
}

function buildServer(count: (name: string) => void, tools: () => readonly object[]): Server {
  const server = new Server({ name: "fixture-upstream", version: "1.0.0" }, {
    capabilities: { tools: { listChanged: true } },
  });
  server.setRequestHandler("tools/list", () => ({ tools: tools() as never }));
  server.setRequestHandler("tools/call", (request) => {
    const { name, arguments: args } = request.params;
    count(name);
    switch (name) {
      case "echo":
        return {
          content: [{ type: "text", text: `echo: ${String(args?.text)}` }],
          _meta: { "example.com/trace": "t-1" },
        };
      case "fail":
        return { content: [{ type: "text", text: "upstream says no" }], isError: true };
      case "structured": {
        const doubled = Number(args?.n ?? 0) * 2;
        return {
          content: [{ type: "text", text: JSON.stringify({ doubled }) }],
          structuredContent: { doubled },
        };
      }
      case "slow":
        return new Promise((resolve) =>
          setTimeout(
            () => resolve({ content: [{ type: "text", text: "slept" }] }),
            Number(args?.ms ?? 0),
          )
        );
      default:
        return { content: [{ type: "text", text: `${name} done` }] };
    }
  });
  return server;
}
