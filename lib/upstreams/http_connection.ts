/**
 * An HTTP upstream: one SDK v2 `Client` over Streamable HTTP, connected on first use, negotiating
 * the protocol era (2026-07-28 preferred, 2025 fallback), re-created after the connection is lost.
 * The vault credential is resolved for every HTTP request and set as headers at the moment of
 * sending, so a rotated credential is picked up and the secret is never kept in a header object.
 */

import { type Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { applyOutboundAuth, type OutboundAuth } from "../credentials/mod.ts";
import { GatewayError } from "../errors.ts";
import { type Logger, propagateTrace } from "../log.ts";
import type { UpstreamSpec } from "../upstream_spec/mod.ts";
import type { UpstreamConnection, UpstreamState } from "./connection.ts";
import { createUpstreamClient, type UpstreamNotices } from "./upstream_client.ts";

/** What an HTTP upstream connection needs besides its spec. */
export interface HttpConnectionOptions extends UpstreamNotices {
  /** Receives connect and loss events, with the upstream's name. */
  logger: Logger;
  /** Resolves the upstream's `auth` credential; absent when the upstream names none. */
  resolveAuth?: () => Promise<OutboundAuth>;
  /** Injectable for tests; default `globalThis.fetch`. */
  fetch?: typeof fetch;
}

/**
 * Creates the connection; nothing is sent until the first `client()`.
 * @throws GatewayError INVALID_CONFIG when the spec is not an HTTP upstream.
 */
export function createHttpConnection(
  spec: UpstreamSpec,
  options: HttpConnectionOptions,
): UpstreamConnection {
  if (spec.transport.kind !== "http") {
    throw new GatewayError("INVALID_CONFIG", `Upstream "${spec.name}" is not an HTTP upstream`);
  }
  const url = new URL(spec.transport.url);
  const logger = options.logger.child({ upstream: spec.name });
  const state: UpstreamState = { status: "idle", restarts: 0 };
  let current: Promise<Client> | undefined;
  /** The client `current` resolved to, and each client's transport (for its session id). */
  let live: Client | undefined;
  const transports = new WeakMap<Client, StreamableHTTPClientTransport>();
  let connectedOnce = false;
  let closed = false;
  let redact: (text: string) => string = (text) => text;

  async function send(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    const request = new Request(input, init);
    propagateTrace(request.headers);
    const headers = new Headers(request.headers);
    if (options.resolveAuth) {
      const auth = await options.resolveAuth();
      redact = auth.redact;
      const target = { headers, url: new URL(request.url) };
      applyOutboundAuth(target, auth);
      return await (options.fetch ?? fetch)(new Request(target.url, { ...init, headers }));
    }
    return await (options.fetch ?? fetch)(request, undefined);
  }

  async function connect(): Promise<Client> {
    state.status = "starting";
    const client = createUpstreamClient(options, { probeTimeoutMs: spec.timeoutMs });
    const transport = new StreamableHTTPClientTransport(url, { fetch: send });
    try {
      await client.connect(transport, { timeout: spec.timeoutMs });
    } catch (error) {
      await client.close().catch(() => {});
      throw error;
    }
    transports.set(client, transport);
    live = client;
    client.onclose = () => lose(client);
    client.onerror = (error) => logger.debug("Upstream transport error", { error: text(error) });
    if (connectedOnce) state.restarts++;
    connectedOnce = true;
    state.status = "running";
    const version = client.getNegotiatedProtocolVersion();
    if (version === undefined) delete state.protocolVersion;
    else state.protocolVersion = version;
    delete state.lastError;
    logger.info("Upstream connected", { protocolVersion: version });
    return client;
  }

  function lose(client: Client): void {
    // Why: only the connection that is current may be forgotten; an old one closing late is not.
    if (closed || live !== client) return;
    current = undefined;
    live = undefined;
    state.status = "idle";
    logger.warn("Upstream connection lost; the next call reconnects");
  }

  function lost(client: Client, error: unknown): string | undefined {
    if (closed) return undefined;
    const reason = lossOf(error, transports.get(client)?.sessionId !== undefined, text);
    if (reason === undefined) return undefined;
    // Why: a later loss of an already replaced client must not drop its healthy successor.
    if (live === client) {
      current = undefined;
      live = undefined;
      state.status = "idle";
      state.lastError = `Upstream "${spec.name}" ${reason}`;
      logger.warn("Upstream connection lost; the next call reconnects", { reason });
      void client.close().catch(() => {});
    }
    return reason;
  }

  function text(error: unknown): string {
    return redact(error instanceof Error ? error.message : String(error));
  }

  return {
    client() {
      if (closed) {
        return Promise.reject(
          new GatewayError("UPSTREAM_UNAVAILABLE", `Upstream "${spec.name}" is stopped`),
        );
      }
      if (current === undefined) {
        const attempt = connect();
        current = attempt;
        attempt.catch((error) => {
          // Why: a failed connect is forgotten, so the next use tries again.
          if (current === attempt) current = undefined;
          state.status = "failed";
          state.lastError = text(error);
          logger.warn("Cannot connect to upstream", { error: state.lastError });
        });
      }
      return current;
    },
    lost,
    state: () => ({ ...state }),
    async close() {
      if (closed) return;
      closed = true;
      state.status = "stopped";
      const last = current;
      current = undefined;
      live = undefined;
      await last?.then(async (client) => {
        await endSession(transports.get(client));
        await client.close();
      }).catch(() => {});
    },
  };
}

/** Longest wait for a 2025 server to answer the `DELETE` that ends its session at close. */
const END_SESSION_MS = 1_000;

/**
 * Ends a 2025 session with `DELETE` (the spec's SHOULD for a client that no longer needs it), so
 * the server frees it now rather than at its own expiry; bounded, and a failure is ignored.
 */
async function endSession(transport: StreamableHTTPClientTransport | undefined): Promise<void> {
  if (transport?.sessionId === undefined) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    transport.terminateSession().catch(() => {}),
    new Promise((resolve) => timer = setTimeout(resolve, END_SESSION_MS)),
  ]);
  clearTimeout(timer);
}

/** SDK errors that mean the transport itself is gone (string codes never cross the wire). */
const CLOSED_CODES: readonly unknown[] = ["CONNECTION_CLOSED", "SEND_FAILED", "NOT_CONNECTED"];

/**
 * Why a request's error means the connection is gone: a 404 to a request that carried a session
 * id (the spec's answer for an unknown or expired session), the SDK's transport-closed errors, or
 * a network failure (`fetch` raises `TypeError`). Anything else is an answer or a timeout.
 */
function lossOf(
  error: unknown,
  hadSession: boolean,
  text: (error: unknown) => string,
): string | undefined {
  const { code, data } = (error ?? {}) as { code?: unknown; data?: { status?: unknown } };
  if (hadSession && data?.status === 404) {
    return "lost its session (HTTP 404 for its Mcp-Session-Id)";
  }
  if (CLOSED_CODES.includes(code)) return "lost its connection (the transport closed)";
  if (error instanceof TypeError) return `lost its connection: ${text(error)}`;
  return undefined;
}
