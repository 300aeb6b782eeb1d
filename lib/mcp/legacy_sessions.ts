/**
 * 2025-era sessions, given only to clients that need one. A 2025 client answers a server-to-client
 * request (elicitation, sampling, roots) with a separate POST; stateless serving builds a fresh
 * server for that POST, which knows nothing of the call waiting for the answer. A session keeps
 * one SDK server per client, so the answer, and a `notifications/cancelled`, reach their call.
 *
 * The rule: an `initialize` gets a session when the gateway serves at least one federated tool
 * and the client declares `elicitation`, `sampling` or `roots`; every other 2025 request is served
 * statelessly as before.
 *
 * No stickiness: the session id is the session's state sealed (`lib/credentials/session_seal.ts`)
 * for its owner (principal and virtual server): the `initialize` params the server needs and the
 * issue time, valid `ttlMs` from issue. Any instance opens it and rebuilds the session's server
 * by replaying that `initialize` into a fresh one, then keeps it (per instance, dropped after
 * `idleMs` without a request) because a call's server must outlive the POST that started it: its
 * `elicitation/create` waits there for the answer. An answer or a cancellation that lands on an
 * instance whose server does not wait for it crosses to the one that does (`session_peers.ts`,
 * `session_transport.ts`). `DELETE` revokes the id until its expiry (shared through the peers) and
 * drops its server everywhere. Another owner's id, a forged, expired or ended one: 404 -32001.
 */

import { type AuthInfo, isJSONRPCRequest, type Server } from "@modelcontextprotocol/server";
import { createSessionSealer, type SessionSealer } from "../credentials/mod.ts";
import type { Logger } from "../log.ts";
import type { ServerFactory } from "./server_factory.ts";
import { localSessionPeers, type SessionPeers } from "./session_peers.ts";
import {
  deliver,
  replayInitialize,
  routeWithoutServer,
  SessionTransport,
} from "./session_transport.ts";

/** Options of {@linkcode createLegacySessions}. */
export interface LegacySessionOptions {
  /** Builds the session's SDK server (the same factory as stateless serving). */
  factory: ServerFactory;
  /** Whether the gateway serves any federated tool now. */
  federates: () => boolean;
  /** Where session lifecycle records go. */
  logger: Logger;
  /** Seals and opens session ids; default: a random key of this process (one instance only). */
  sealer?: SessionSealer;
  /** The other instances; default: none (revocations in memory). */
  peers?: SessionPeers;
  /** Session servers kept on this instance; an `initialize` beyond it is stateless. Default 1000. */
  maxSessions?: number;
  /** This instance's server of a session is dropped after this long without a request (30 min). */
  idleMs?: number;
  /** A session id is valid this long from its `initialize` (default 12 hours). */
  ttlMs?: number;
  /** Keep-alive interval of the sessions' SSE streams; 0 disables. */
  keepAliveMs: number;
  /** Body bound the transport applies to bodies it reads itself. */
  maxBodyBytes: number;
  /** The clock (tests); default `Date.now`. */
  now?: () => number;
}

/** The open 2025 sessions. */
export interface LegacySessions {
  /**
   * Serves `request` when it belongs to sessions: a request naming a session (answered 404 when
   * the session is unknown, expired, ended or another owner's), or an `initialize` that gets one.
   * Resolves `undefined` when the request is stateless serving's. `owner` names who calls
   * (principal and virtual server).
   */
  serve(request: Request, options: ServeOptions): Promise<Response | undefined>;
  /**
   * Whether `serve` may answer `request` (it names a session, or it is an `initialize` that may
   * get one), decided at once so a stateless request skips `serve`; raises nothing.
   */
  claims(request: Request, parsedBody: unknown): boolean;
  /** Drops every session server of this instance (the ids stay valid elsewhere). */
  close(): Promise<void>;
}

interface ServeOptions {
  authInfo: AuthInfo;
  owner: string;
  parsedBody?: unknown;
}

interface Session {
  id: string;
  transport: SessionTransport;
  server: Server;
  timer: ReturnType<typeof setTimeout>;
}

/** What the sealed id carries. */
interface SessionState {
  sid: string;
  initialize: Record<string, unknown>;
  iat: number;
  exp: number;
}

const INPUT_CAPABILITIES = ["elicitation", "sampling", "roots"];
/** The longest session id issued (it travels in a header on every request). */
const MAX_ID_CHARS = 4096;

/** Creates the sessions of this instance; raises nothing. */
export function createLegacySessions(options: LegacySessionOptions): LegacySessions {
  const sessions = new Map<string, Session>();
  const building = new Map<string, Promise<Session>>();
  const maxSessions = options.maxSessions ?? 1000;
  const idleMs = options.idleMs ?? 30 * 60_000;
  const ttlMs = options.ttlMs ?? 12 * 3_600_000;
  const now = options.now ?? Date.now;
  const sealer = options.sealer ?? createSessionSealer(undefined);
  const peers = options.peers ?? localSessionPeers(now);
  const instance = crypto.randomUUID().slice(0, 8);

  function touch(sid: string, session: Session): void {
    // Why delete and set: the map's order is then least recently used first (see `makeRoom`).
    sessions.delete(sid);
    sessions.set(sid, session);
    clearTimeout(session.timer);
    session.timer = setTimeout(() => {
      // Why: a call waiting for its client's answer holds the server past an idle spell.
      if (session.transport.serving.size > 0) return touch(sid, session);
      void end(sid, "idle");
    }, idleMs);
    Deno.unrefTimer(session.timer);
  }

  async function end(sid: string, why: string): Promise<void> {
    const session = sessions.get(sid);
    if (session === undefined) return;
    sessions.delete(sid);
    clearTimeout(session.timer);
    options.logger.debug("2025 session server closed", { why });
    await session.server.close().catch(() => {});
  }

  /** Drops the least recently used idle server when this instance holds its cap of them. */
  function makeRoom(): void {
    if (sessions.size < maxSessions) return;
    for (const [sid, session] of sessions) {
      if (session.transport.serving.size === 0) return void end(sid, "evicted");
    }
  }

  async function build(id: string, serve: ServeOptions, request: Request): Promise<Session> {
    const server = options.factory({
      era: "legacy",
      authInfo: serve.authInfo,
      requestInfo: request,
    });
    const transport = new SessionTransport({
      instance,
      sessionIdGenerator: () => id,
      keepAliveMs: options.keepAliveMs,
      maxRequestBodySize: options.maxBodyBytes,
    });
    await server.connect(transport);
    return { id, transport, server, timer: setTimeout(() => {}, 0) };
  }

  function keep(sid: string, session: Session): Session {
    makeRoom();
    sessions.set(sid, session);
    touch(sid, session);
    return session;
  }

  /** This instance's server of the session, rebuilt from its sealed state when absent. */
  function serverOf(id: string, state: SessionState, serve: ServeOptions, request: Request) {
    const held = sessions.get(state.sid);
    if (held !== undefined) return Promise.resolve(held);
    let pending = building.get(state.sid);
    if (pending === undefined) {
      // Why kept only once replayed: a request meeting a server that has not seen `initialize` yet
      // would be refused ("Server not initialized").
      pending = (async () => {
        const session = await build(id, serve, request);
        try {
          await replayInitialize(session, state.initialize, serve.authInfo);
        } catch (error) {
          clearTimeout(session.timer);
          await session.server.close().catch(() => {});
          throw error;
        }
        return keep(state.sid, session);
      })().finally(() => building.delete(state.sid));
      building.set(state.sid, pending);
    }
    return pending;
  }

  async function openSession(request: Request, serve: ServeOptions) {
    const initialize = sealedInitialize(serve.parsedBody);
    const iat = now();
    const state: SessionState = { sid: crypto.randomUUID(), initialize, iat, exp: iat + ttlMs };
    const id = await sealer.seal({ sid: state.sid, initialize, iat }, {
      owner: serve.owner,
      expiresAt: state.exp,
    });
    // Why stateless then: a client whose declared capabilities make an id too long for a header.
    if (id.length > MAX_ID_CHARS) return undefined;
    const session = keep(state.sid, await build(id, serve, request));
    return await session.transport.handleRequest(request, handleOptions(serve));
  }

  async function serveNamed(request: Request, id: string, serve: ServeOptions): Promise<Response> {
    const state = await stateOf(sealer, id, serve.owner, now());
    // Why one answer for all: another caller must not learn that a session id exists.
    if (state === undefined || await peers.isRevoked(state.sid)) return sessionNotFound();
    if (request.method === "DELETE") {
      await peers.revoke(state.sid, state.exp);
      peers.publish({ kind: "ended", sid: state.sid });
      await end(state.sid, "deleted");
      return new Response(null, { status: 200 });
    }
    const body = serve.parsedBody;
    if (request.method !== "POST" || body === undefined) {
      const session = await serverOf(id, state, serve, request);
      touch(state.sid, session);
      return await session.transport.handleRequest(request, handleOptions(serve));
    }
    const messages = Array.isArray(body) ? body : [body];
    const held = await (building.get(state.sid) ?? sessions.get(state.sid));
    const { mine, others } = held === undefined
      ? routeWithoutServer(messages)
      : held.transport.route(messages, true);
    if (others.length > 0) peers.publish({ kind: "messages", sid: state.sid, messages: others });
    // Why 202: what the SDK answers a POST of notifications and answers only. Why not rebuild for
    // notifications alone: a rebuilt server learns `initialized` from the replay, and nothing else
    // a 2025 client notifies (roots changed, progress) concerns a server with no call in flight.
    if (mine.length === 0 || (held === undefined && !mine.some(isJSONRPCRequest))) {
      return new Response(null, { status: 202 });
    }
    const session = held ?? await serverOf(id, state, serve, request);
    const taken = held === undefined ? session.transport.route(mine, true).mine : mine;
    touch(state.sid, session);
    const parsedBody = Array.isArray(body) ? taken : taken[0];
    return await session.transport.handleRequest(request, { ...handleOptions(serve), parsedBody });
  }

  /** Whether `body` is an `initialize` that gets a session now. */
  function opens(request: Request, body: unknown): boolean {
    return request.method === "POST" && wantsSession(body) && options.federates() &&
      sessions.size < maxSessions;
  }

  peers.listen((event) => {
    if (event.kind === "ended") return void end(event.sid, "deleted on another instance");
    if (event.kind !== "messages") return;
    const session = sessions.get(event.sid);
    if (session === undefined) return;
    const { mine } = session.transport.route(event.messages, false);
    if (mine.length > 0) void deliver(session, mine, options.logger);
  });

  return {
    async serve(request, serve) {
      const id = request.headers.get("mcp-session-id");
      if (id !== null) return await serveNamed(request, id, serve);
      return opens(request, serve.parsedBody) ? await openSession(request, serve) : undefined;
    },
    // Why `get`: `has` copies every header of a served request into JS (direct_wire.ts).
    claims: (request, body) =>
      request.headers.get("mcp-session-id") !== null || opens(request, body),
    async close() {
      peers.close();
      await Promise.all([...sessions.keys()].map((sid) => end(sid, "gateway closing")));
    },
  };
}

/** The state sealed in `id` for `owner`, or undefined (malformed, tampered, foreign, expired). */
async function stateOf(
  sealer: SessionSealer,
  id: string,
  owner: string,
  now: number,
): Promise<SessionState | undefined> {
  const state = await sealer.open(id, { owner, now });
  if (state === undefined || typeof state.sid !== "string") return undefined;
  if (typeof state.initialize !== "object" || state.initialize === null) return undefined;
  return state as unknown as SessionState;
}

/** What of the client's `initialize` the id carries: what the server reads back from it. */
function sealedInitialize(body: unknown): Record<string, unknown> {
  const params = (body as { params: Record<string, unknown> }).params;
  const info = (params.clientInfo ?? {}) as Record<string, unknown>;
  return {
    protocolVersion: params.protocolVersion,
    capabilities: params.capabilities,
    clientInfo: { name: info.name, version: info.version, title: info.title },
  };
}

function handleOptions(options: ServeOptions): { authInfo: AuthInfo; parsedBody?: unknown } {
  return options.parsedBody === undefined
    ? { authInfo: options.authInfo }
    : { authInfo: options.authInfo, parsedBody: options.parsedBody };
}

/**
 * Whether `body` is a 2025 `initialize` declaring a capability a relayed request needs (it gets a
 * session when the gateway federates a tool).
 */
export function wantsSession(body: unknown): boolean {
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
