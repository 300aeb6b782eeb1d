/**
 * A 2025-era MCP upstream with sessions over Streamable HTTP: each `initialize` gets a fresh server
 * from `build` and a session id; later requests are routed by `mcp-session-id`.
 */

import {
  type Server,
  WebStandardStreamableHTTPServerTransport,
} from "@modelcontextprotocol/server";

/** The listening upstream: its MCP URL, and disposal that closes every server it built. */
export interface SessionHttpUpstream {
  url: string;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Serves one `build()` server per session on 127.0.0.1 port 0; an unknown session gets 404. */
export function serveSessionedMcp(build: () => Server): SessionHttpUpstream {
  const sessions = new Map<string, WebStandardStreamableHTTPServerTransport>();
  const servers: Server[] = [];
  const http = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (request) => {
    const id = request.headers.get("mcp-session-id");
    const known = id === null ? undefined : sessions.get(id);
    if (known !== undefined) return await known.handleRequest(request);
    if (id !== null) return new Response("unknown session", { status: 404 });
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => crypto.randomUUID(),
      onsessioninitialized: (sessionId) => void sessions.set(sessionId, transport),
    });
    const server = build();
    servers.push(server);
    await server.connect(transport);
    return await transport.handleRequest(request);
  });
  return {
    url: `http://127.0.0.1:${http.addr.port}/mcp`,
    async [Symbol.asyncDispose]() {
      await Promise.all(servers.map((server) => server.close().catch(() => {})));
      await http.shutdown();
    },
  };
}
