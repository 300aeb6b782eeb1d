/** What every backend receives besides the tool and its arguments, and what it answers with. */

import type { OutboundAuth } from "../credentials/mod.ts";
import type { UpstreamReply } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { DownstreamCall, ToolResult } from "../registry/types.ts";
import type { DatabasePools } from "./sql/pools.ts";

/** Per-call options for {@linkcode executeTool}. */
export interface ExecuteOptions {
  /** Client cancellation; combined with the tool's own timeout. */
  signal: AbortSignal;
  /** The call's logger (the backend adds `tool` and `backend` fields). */
  logger: Logger;
  /** Allowlist of URL origins (`https://host:port` as `URL.origin` gives) declared by the registry. */
  egressOrigins: ReadonlySet<string>;
  /** Injectable for tests; defaults to `globalThis.fetch`. */
  fetch?: typeof fetch;
  /**
   * The tool's credential, from the credential stage: injected into the HTTP request as it is
   * built, and its secrets redacted from the result and from error messages.
   */
  outboundAuth?: OutboundAuth;
  /** The configured databases SQL tools run on; absent: SQL tools fail as not configured. */
  databases?: DatabasePools;
  /** The caller's principal id: an upstream with `perClient: true` runs one child per principal. */
  principal?: string;
  /**
   * The calling MCP client, for a federated tool's progress, log messages and server-to-client
   * requests; absent: they are not relayed (stdio serving, `nexus tools test`).
   */
  downstream?: DownstreamCall;
}

/**
 * What a call came back with: the tool result and, for an HTTP backend, what the upstream
 * answered (status and headers, e.g. quota headers). A failed call throws a `GatewayError`
 * instead, whose `upstream` holds the same when the upstream answered (an HTTP 500).
 */
export interface CallOutcome {
  /** The result for the client. */
  readonly result: ToolResult;
  /** What the HTTP upstream answered; absent for in-process backends. */
  readonly upstream?: UpstreamReply;
}
