/**
 * An HTTP upstream: one SDK v2 `Client` over Streamable HTTP, connected on first use, negotiating
 * the protocol era (2026-07-28 preferred, 2025 fallback), re-created after the connection is lost.
 * The vault credential is resolved for every HTTP request and set as headers at the moment of
 * sending, so a rotated credential is picked up and the secret is never kept in a header object.
 */

import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { applyOutboundAuth, type OutboundAuth } from "../credentials/mod.ts";
import { GatewayError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { SERVER_NAME, VERSION } from "../version.ts";
import type { UpstreamSpec } from "../upstream_spec.ts";
import type { UpstreamConnection, UpstreamState } from "./connection.ts";
import type { Client as UpstreamClient } from "./stdio_supervisor.ts";

/** What an HTTP upstream connection needs besides its spec. */
export interface HttpConnectionOptions {
  /** Receives connect and loss events, with the upstream's name. */
  logger: Logger;
  /** Resolves the upstream's `auth` credential; absent when the upstream names none. */
  resolveAuth?: () => Promise<OutboundAuth>;
  /** Called when the upstream announces `notifications/tools/list_changed`. */
  onToolsChanged?: () => void;
  /** Injectable for tests; default `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** Called with each new client before it connects (the relay installs its handlers). */
  onClient?: (client: UpstreamClient) => void;
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
  let connectedOnce = false;
  let closed = false;
  let redact: (text: string) => string = (text) => text;

  async function send(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    const request = new Request(input, init);
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
    const client = new Client({ name: SERVER_NAME, version: VERSION }, {
      versionNegotiation: { mode: "auto", probe: { timeoutMs: spec.timeoutMs } },
      listChanged: {
        tools: { autoRefresh: false, debounceMs: 50, onChanged: () => options.onToolsChanged?.() },
      },
    });
    options.onClient?.(client);
    const transport = new StreamableHTTPClientTransport(url, { fetch: send });
    try {
      await client.connect(transport, { timeout: spec.timeoutMs });
    } catch (error) {
      await client.close().catch(() => {});
      throw error;
    }
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
    if (closed) return;
    // Why: only the connection that is current may be forgotten; an old one closing late is not.
    void current?.then((live) => {
      if (live !== client) return;
      current = undefined;
      state.status = "idle";
      logger.warn("Upstream connection lost; the next call reconnects");
    }, () => {});
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
    state: () => ({ ...state }),
    async close() {
      if (closed) return;
      closed = true;
      state.status = "stopped";
      const live = current;
      current = undefined;
      await live?.then((client) => client.close()).catch(() => {});
    },
  };
}
