/**
 * Serves the conformance fixture (`conformance_fixture.ts`) over Streamable HTTP or stdio, both
 * protocol eras on each.
 *
 * HTTP: 2026-07-28 requests go to the SDK's stateless `createMcpHandler`; 2025 requests
 * (`isLegacyRequest`) get a real session (`Mcp-Session-Id`, with an in-memory event store for
 * resumption), because sampling, elicitation, logging and list-changed notifications of that era
 * travel on a session's streams. Host and Origin are checked first (DNS-rebinding protection), and
 * 2026-07-28 `tools/call` requests' Mcp-Param headers (`conformance_fixture_headers.ts`).
 * stdio: the SDK's `serveStdio`, which pins a connection to the era it opens with.
 *
 * Run: `deno run --allow-net=127.0.0.1 tests/_support/conformance_fixture_serve.ts [--stdio]`.
 * Over HTTP it listens on 127.0.0.1 (port 0, or `--port N`) and prints its MCP URL as the first
 * line of stdout; it stops on SIGTERM/SIGINT. Over stdio it ends when stdin closes.
 */

import {
  createMcpHandler,
  type EventStore,
  hostHeaderValidationResponse,
  isInitializeRequest,
  isLegacyRequest,
  type JSONRPCMessage,
  localhostAllowedHostnames,
  localhostAllowedOrigins,
  originValidationResponse,
  type Server,
  WebStandardStreamableHTTPServerTransport,
} from "@modelcontextprotocol/server";
import { serveStdio } from "@modelcontextprotocol/server/stdio";
import { createConformanceServer, createFixtureState } from "./conformance_fixture.ts";
import { checkParamHeaders } from "./conformance_fixture_headers.ts";

/** A fixture serving HTTP. */
export interface HttpFixture {
  /** The MCP endpoint, `http://127.0.0.1:port/mcp`. */
  url: string;
  close(): Promise<void>;
}

/** The SSE `retry` the 2025 sessions announce (SEP-1699). */
const RETRY_MS = 500;

interface Session {
  server: Server;
  transport: WebStandardStreamableHTTPServerTransport;
}

/** Serves the fixture over Streamable HTTP on 127.0.0.1. */
export function serveFixtureHttp(options: { port?: number } = {}): HttpFixture {
  const sessions = new Map<string, Session>();
  const state = createFixtureState(announce);
  const modern = createMcpHandler(() => createConformanceServer(state), { legacy: "reject" });
  const eventStore = createEventStore();

  function announce(kind: "tools" | "prompts"): void {
    if (kind === "tools") modern.notify.toolsChanged();
    else modern.notify.promptsChanged();
    for (const { server } of sessions.values()) {
      const sent = kind === "tools" ? server.sendToolListChanged() : server.sendPromptListChanged();
      sent.catch(() => {});
    }
  }

  async function legacy(request: Request): Promise<Response> {
    const id = request.headers.get("mcp-session-id");
    if (id !== null) {
      const session = sessions.get(id);
      if (session === undefined) return jsonRpcError(404, -32001, "Session not found");
      return await session.transport.handleRequest(request);
    }
    const body = request.method === "POST"
      ? await request.clone().json().catch(() => undefined)
      : undefined;
    if (!isInitializeRequest(body)) {
      return jsonRpcError(400, -32000, "Bad Request: no valid session id");
    }
    const server = createConformanceServer(state);
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => crypto.randomUUID(),
      eventStore,
      retryInterval: RETRY_MS,
      onsessioninitialized: (sessionId) => void sessions.set(sessionId, { server, transport }),
      onsessionclosed: (sessionId) => void sessions.delete(sessionId),
    });
    await server.connect(transport);
    return await transport.handleRequest(request);
  }

  const http = Deno.serve(
    { port: options.port ?? 0, hostname: "127.0.0.1", onListen() {} },
    async (request) => {
      if (new URL(request.url).pathname !== "/mcp") {
        return new Response("not found", { status: 404 });
      }
      const rejected = hostHeaderValidationResponse(request, localhostAllowedHostnames()) ??
        originValidationResponse(request, localhostAllowedOrigins());
      if (rejected !== undefined) return rejected;
      if (await isLegacyRequest(request)) return await legacy(request);
      return await checkParamHeaders(request) ?? await modern.fetch(request);
    },
  );
  return {
    url: `http://127.0.0.1:${http.addr.port}/mcp`,
    async close() {
      await modern.close();
      for (const { server } of sessions.values()) await server.close().catch(() => {});
      sessions.clear();
      await http.shutdown();
    },
  };
}

/** Serves the fixture on this process's stdin/stdout until stdin closes. */
export function serveFixtureStdio(): { close(): Promise<void> } {
  const live = new Set<Server>();
  const state = createFixtureState((kind) => {
    for (const server of live) {
      const sent = kind === "tools" ? server.sendToolListChanged() : server.sendPromptListChanged();
      sent.catch(() => {});
    }
  });
  return serveStdio(() => {
    const server = createConformanceServer(state);
    live.add(server);
    return server;
  });
}

function jsonRpcError(status: number, code: number, message: string): Response {
  return Response.json({ jsonrpc: "2.0", id: null, error: { code, message } }, { status });
}

/** Keeps every event of every stream, so a client that reconnects with Last-Event-ID resumes. */
function createEventStore(): EventStore {
  const events: Array<{ id: string; streamId: string; message: JSONRPCMessage }> = [];
  let next = 0;
  return {
    storeEvent(streamId, message) {
      const id = `${streamId}_${String(next++).padStart(8, "0")}`;
      events.push({ id, streamId, message });
      return Promise.resolve(id);
    },
    async replayEventsAfter(lastEventId, { send }) {
      const last = events.find((event) => event.id === lastEventId);
      if (last === undefined) return "";
      for (const event of events) {
        if (event.streamId === last.streamId && event.id > lastEventId) {
          await send(event.id, event.message);
        }
      }
      return last.streamId;
    },
  };
}

if (import.meta.main) {
  if (Deno.args.includes("--stdio")) {
    serveFixtureStdio();
  } else {
    const portFlag = Deno.args.indexOf("--port");
    const port = portFlag >= 0 ? Number(Deno.args[portFlag + 1]) : 0;
    const fixture = serveFixtureHttp({ port });
    await Deno.stdout.write(new TextEncoder().encode(`${fixture.url}\n`));
    const stop = () => void fixture.close().then(() => Deno.exit(0));
    Deno.addSignalListener("SIGTERM", stop);
    Deno.addSignalListener("SIGINT", stop);
  }
}
