/**
 * 2025-era sessions, given only to clients that need one. A 2025 client answers a server-to-client
 * request (elicitation, sampling, roots) with a separate POST; stateless serving builds a fresh
 * server for that POST, which knows nothing of the call waiting for the answer. A session keeps
 * one SDK server (and its Streamable HTTP transport) per client, so the answer, and a
 * `notifications/cancelled`, reach the call they belong to.
 *
 * The rule: an `initialize` gets a session when the gateway serves at least one federated tool
 * and the client declares `elicitation`, `sampling` or `roots`; every other 2025 request is served
 * statelessly as before. A session belongs to its `owner` (the principal and virtual server that
 * opened it), lives on this instance (route a session's requests to the same instance), ends on
 * `DELETE`, after `idleMs` without a request, or when the gateway closes; at most `maxSessions`
 * are open.
 */

import {
  type AuthInfo,
  type Server,
  WebStandardStreamableHTTPServerTransport,
} from "@modelcontextprotocol/server";
import type { Logger } from "../log.ts";
import type { ServerFactory } from "./server_factory.ts";

/** Options of {@linkcode createLegacySessions}. */
export interface LegacySessionOptions {
  /** Builds the session's SDK server (the same factory as stateless serving). */
  factory: ServerFactory;
  /** Whether the gateway serves any federated tool now. */
  federates: () => boolean;
  /** Where session lifecycle records go. */
  logger: Logger;
  /** Open sessions at most; an `initialize` beyond it is served statelessly. Default 1000. */
  maxSessions?: number;
  /** A session without a request for this long is closed. Default 30 minutes. */
  idleMs?: number;
  /** Keep-alive interval of the sessions' SSE streams; 0 disables. */
  keepAliveMs: number;
  /** Body bound the transport applies to bodies it reads itself. */
  maxBodyBytes: number;
}

/** The open 2025 sessions. */
export interface LegacySessions {
  /**
   * Serves `request` when it belongs to sessions: a request naming a session (answered 404 when
   * the session is unknown or another owner's), or an `initialize` that gets one. Resolves
   * `undefined` when the request is stateless serving's. `owner` names who calls (principal and
   * virtual server).
   */
  serve(
    request: Request,
    options: { authInfo: AuthInfo; owner: string; parsedBody?: unknown },
  ): Promise<Response | undefined>;
  /** Closes every session. */
  close(): Promise<void>;
}

interface Session {
  owner: string;
  transport: WebStandardStreamableHTTPServerTransport;
  server: Server;
  timer: ReturnType<typeof setTimeout>;
}

const INPUT_CAPABILITIES = ["elicitation", "sampling", "roots"];

/** Creates the session table; raises nothing. */
export function createLegacySessions(options: LegacySessionOptions): LegacySessions {
  const sessions = new Map<string, Session>();
  const maxSessions = options.maxSessions ?? 1000;
  const idleMs = options.idleMs ?? 30 * 60_000;

  function touch(id: string, session: Session): void {
    clearTimeout(session.timer);
    session.timer = setTimeout(() => void end(id, "idle"), idleMs);
    Deno.unrefTimer(session.timer);
  }

  async function end(id: string, why: string): Promise<void> {
    const session = sessions.get(id);
    if (session === undefined) return;
    sessions.delete(id);
    clearTimeout(session.timer);
    options.logger.debug("2025 session closed", { why });
    await session.server.close().catch(() => {});
  }

  async function open(
    request: Request,
    serveOptions: { authInfo: AuthInfo; owner: string; parsedBody?: unknown },
  ): Promise<Response> {
    const server = options.factory({
      era: "legacy",
      authInfo: serveOptions.authInfo,
      requestInfo: request,
    });
    let session: Session | undefined;
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => crypto.randomUUID(),
      keepAliveMs: options.keepAliveMs,
      maxRequestBodySize: options.maxBodyBytes,
      onsessioninitialized(id) {
        session = {
          owner: serveOptions.owner,
          transport,
          server,
          timer: setTimeout(() => {}, 0),
        };
        sessions.set(id, session);
        touch(id, session);
      },
      onsessionclosed: (id) => void end(id, "deleted"),
    });
    await server.connect(transport);
    const response = await transport.handleRequest(request, handleOptions(serveOptions));
    if (session === undefined) await server.close().catch(() => {});
    return response;
  }

  return {
    async serve(request, serveOptions) {
      const id = request.headers.get("mcp-session-id");
      if (id !== null) {
        const session = sessions.get(id);
        // Why one answer for both: another caller must not learn that a session id exists.
        if (session === undefined || session.owner !== serveOptions.owner) {
          return sessionNotFound();
        }
        touch(id, session);
        return await session.transport.handleRequest(request, handleOptions(serveOptions));
      }
      if (request.method !== "POST" || !wantsSession(serveOptions.parsedBody)) return undefined;
      if (!options.federates() || sessions.size >= maxSessions) return undefined;
      return await open(request, serveOptions);
    },
    async close() {
      await Promise.all([...sessions.keys()].map((id) => end(id, "gateway closing")));
    },
  };
}

function handleOptions(
  options: { authInfo: AuthInfo; parsedBody?: unknown },
): { authInfo: AuthInfo; parsedBody?: unknown } {
  return options.parsedBody === undefined
    ? { authInfo: options.authInfo }
    : { authInfo: options.authInfo, parsedBody: options.parsedBody };
}

/** Whether `body` is a 2025 `initialize` declaring a capability a relayed request needs. */
function wantsSession(body: unknown): boolean {
  if (typeof body !== "object" || body === null) return false;
  const { method, params } = body as { method?: unknown; params?: { capabilities?: unknown } };
  if (method !== "initialize") return false;
  const capabilities = params?.capabilities;
  if (typeof capabilities !== "object" || capabilities === null) return false;
  return INPUT_CAPABILITIES.some((name) => name in capabilities);
}

function sessionNotFound(): Response {
  return Response.json(
    { jsonrpc: "2.0", id: null, error: { code: -32001, message: "Session not found" } },
    { status: 404 },
  );
}
