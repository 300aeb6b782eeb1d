/**
 * A 2025-11-25 Streamable HTTP upstream with sessions, as servers built before 2026-07-28 are: SDK
 * v2 `Server` behind one `WebStandardStreamableHTTPServerTransport` per session (an
 * `Mcp-Session-Id` issued at `initialize`), on Deno.serve at 127.0.0.1 (port 0). A request naming
 * a session it does not know gets 404, as the spec says; `forgetSessions()` drops every session, as
 * a restarted or expiring server does. A 2026-07-28 probe (`server/discover`) gets "Method not
 * found", so clients fall back to the 2025 handshake. A `DELETE` ends a session (counted).
 * Optionally demands a bearer token (401).
 *
 * Tools: `read` (`readOnlyHint: true`; answers `read: <text>`) and `write` (no hint; answers
 * `wrote: <text>`).
 */

import {
  isInitializeRequest,
  Server,
  WebStandardStreamableHTTPServerTransport,
} from "@modelcontextprotocol/server";

/** A running session upstream. */
export interface McpSessionUpstream {
  /** The MCP endpoint, `http://127.0.0.1:port/mcp`. */
  url: string;
  /** Every `Authorization` header received (absent as `null`). */
  authorizations(): Array<string | null>;
  /** `tools/call` requests for `name` that reached the endpoint, answered or refused (404). */
  received(name: string): number;
  /** `tools/call` requests for `name` the server executed. */
  executed(name: string): number;
  /** Sessions issued so far. */
  sessionsIssued(): number;
  /** How many requests were refused with 404 for an unknown session. */
  refused(): number;
  /** Sessions the client ended with `DELETE`. */
  sessionsEnded(): number;
  /** Drops every session: the next request naming one gets 404. */
  forgetSessions(): Promise<void>;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** The tools the fixture lists. */
export const SESSION_TOOLS = [
  {
    name: "read",
    description: "Reads, changing nothing.",
    inputSchema: { type: "object", properties: { text: { type: "string" } } },
    annotations: { readOnlyHint: true },
  },
  {
    name: "write",
    description: "Writes something.",
    inputSchema: { type: "object", properties: { text: { type: "string" } } },
  },
];

/** Starts the fixture; `await using` closes it. */
export function startMcpSessionUpstream(options: { bearer?: string } = {}): McpSessionUpstream {
  const authorizations: Array<string | null> = [];
  const received = new Map<string, number>();
  const executed = new Map<string, number>();
  const sessions = new Map<string, WebStandardStreamableHTTPServerTransport>();
  let issued = 0;
  let refused = 0;
  let ended = 0;
  const bump = (map: Map<string, number>, name: string) => map.set(name, (map.get(name) ?? 0) + 1);

  async function handle(request: Request): Promise<Response> {
    const authorization = request.headers.get("authorization");
    authorizations.push(authorization);
    if (options.bearer !== undefined && authorization !== `Bearer ${options.bearer}`) {
      return new Response("unauthorized", { status: 401 });
    }
    const body = request.method === "POST" ? await request.clone().json().catch(() => null) : null;
    if (body?.method === "tools/call" && typeof body.params?.name === "string") {
      bump(received, body.params.name);
    }
    const sessionId = request.headers.get("mcp-session-id");
    if (sessionId !== null) {
      const transport = sessions.get(sessionId);
      if (transport === undefined) {
        refused++;
        return Response.json({
          jsonrpc: "2.0",
          error: { code: -32001, message: "Session not found" },
          id: null,
        }, { status: 404 });
      }
      return await transport.handleRequest(request);
    }
    if (request.method === "POST" && isInitializeRequest(body)) {
      const transport = new WebStandardStreamableHTTPServerTransport({
        sessionIdGenerator: () => crypto.randomUUID(),
        enableJsonResponse: true,
        onsessioninitialized: (id) => {
          issued++;
          sessions.set(id, transport);
        },
        onsessionclosed: (id) => {
          ended++;
          sessions.delete(id);
        },
      });
      await buildServer((name) => bump(executed, name)).connect(transport);
      return await transport.handleRequest(request, { parsedBody: body });
    }
    // Why: what a 2025-only server answers the 2026-07-28 probe, so the client falls back.
    return Response.json({
      jsonrpc: "2.0",
      id: body?.id ?? null,
      error: { code: -32601, message: "Method not found" },
    });
  }

  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, handle);
  async function forgetSessions(): Promise<void> {
    const all = [...sessions.values()];
    sessions.clear();
    await Promise.all(all.map((transport) => transport.close().catch(() => {})));
  }
  const close = async () => {
    await forgetSessions();
    await server.shutdown();
  };
  return {
    url: `http://127.0.0.1:${server.addr.port}/mcp`,
    authorizations: () => [...authorizations],
    received: (name) => received.get(name) ?? 0,
    executed: (name) => executed.get(name) ?? 0,
    sessionsIssued: () => issued,
    refused: () => refused,
    sessionsEnded: () => ended,
    forgetSessions,
    close,
    [Symbol.asyncDispose]: close,
  };
}

function buildServer(count: (name: string) => void): Server {
  const server = new Server({ name: "session-upstream", version: "1.0.0" }, {
    capabilities: { tools: {} },
  });
  server.setRequestHandler("tools/list", () => ({ tools: SESSION_TOOLS as never }));
  server.setRequestHandler("tools/call", (request) => {
    const { name, arguments: args } = request.params;
    count(name);
    const verb = name === "read" ? "read" : "wrote";
    return { content: [{ type: "text", text: `${verb}: ${String(args?.text)}` }] };
  });
  return server;
}
