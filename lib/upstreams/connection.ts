/**
 * What any upstream (HTTP, or a supervised stdio child) offers the rest of the gateway.
 */

import type { Client } from "@modelcontextprotocol/client";

/** Where an upstream connection stands. */
export type UpstreamStatus = "idle" | "starting" | "running" | "backoff" | "failed" | "stopped";

/** A snapshot of an upstream connection's state, for `nexus upstreams list` and the logs. */
export interface UpstreamState {
  /** `idle` before the first use, `running` while connected, `failed` after a failed connect. */
  status: UpstreamStatus;
  /** The protocol revision negotiated on the current connection. */
  protocolVersion?: string;
  /** How many times a lost connection was re-established. */
  restarts: number;
  /** The last connect or transport failure (a child's exit), secrets redacted. */
  lastError?: string;
  /** A stdio upstream's running child: its pid, which is also its process group id. */
  pid?: number;
  /** `perClient` stdio upstreams: children running now, one per caller (the listing child apart). */
  children?: number;
}

/** Who a connection is asked for: upstreams with `perClient: true` keep one child per principal. */
export interface UpstreamCall {
  /** The caller's principal id (`key:…`, `jwt:…`); absent for the gateway's own listings. */
  principal?: string;
}

// Why `@ignore` on `UpstreamConnection`: `deno doc --lint` (Deno 2.9) reports every npm type a
// public type names as a private-type-ref (denoland/deno#27364), and `client()` must return the
// SDK's own `Client`. Drop it once Deno ships the fix (as for `ServerFactory` in lib/mcp).

/**
 * A connection to one upstream MCP server.
 * @ignore
 */
export interface UpstreamConnection {
  /** A connected MCP SDK v2 Client; connects lazily, reconnects after a loss. */
  client(call?: UpstreamCall): Promise<Client>;
  /**
   * Why `error`, raised by a request on `client`, means the session or connection behind it is
   * gone (an HTTP 404 for its `Mcp-Session-Id`, a dropped connection, an exited child), as a phrase
   * that follows the upstream's name (`lost its session (…)`); the connection then forgets that
   * client, so the next `client()` re-establishes it. Undefined when the error says nothing about
   * the connection (the upstream answered, or the call timed out).
   */
  lost?(client: Client, error: unknown): string | undefined;
  /** The connection's state now. */
  state(): UpstreamState;
  /** Closes the connection; a later `client()` fails. Never rejects. */
  close(): Promise<void>;
}
