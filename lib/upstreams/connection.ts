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
  client(): Promise<Client>;
  /** The connection's state now. */
  state(): UpstreamState;
  /** Closes the connection; a later `client()` fails. Never rejects. */
  close(): Promise<void>;
}
