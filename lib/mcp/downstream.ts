/**
 * The calling client of one `tools/call`, as a federated tool relays to it: progress and log
 * messages on the request's own response stream, and what it can answer (elicitation, sampling,
 * roots) for the upstream's server-to-client requests.
 */

import {
  CLIENT_CAPABILITIES_META_KEY,
  type ClientCapabilities,
  LOG_LEVEL_META_KEY,
  type LoggingLevel,
  type Notification,
  type Server,
  type ServerContext,
} from "@modelcontextprotocol/server";
import type { DownstreamCall } from "../registry/types.ts";

const LOG_LEVELS: readonly string[] = [
  "debug",
  "info",
  "notice",
  "warning",
  "error",
  "critical",
  "alert",
  "emergency",
];

/** The downstream view of the request `ctx` handles on `server`, for `principalId`; raises nothing. */
export function downstreamOf(
  server: Server,
  ctx: ServerContext,
  principalId: string,
): DownstreamCall {
  const modern = ctx.mcpReq.envelope !== undefined;
  const state = ctx.mcpReq.requestState<unknown>();
  const inputResponses = ctx.mcpReq.inputResponses;
  const envelope = (ctx.mcpReq.envelope ?? {}) as Record<string, unknown>;
  return downstreamCall({
    era: modern ? "modern" : "legacy",
    principalId,
    progressToken: ctx.mcpReq._meta?.progressToken,
    // Why "debug" for 2025: its client sets a level per session (`logging/setLevel`, or none,
    // which means every message), and `log` below filters against it; a 2026-07-28 upstream
    // sends logs only for a level named on the call, so it is asked for all of them.
    logLevel: modern ? envelope[LOG_LEVEL_META_KEY] : "debug",
    // Why the server's own for 2025: it holds what `initialize` declared, which only a session or
    // a stdio connection saw; a stateless instance saw none, so it offers nothing.
    declared: modern
      ? envelope[CLIENT_CAPABILITIES_META_KEY] as ClientCapabilities | undefined
      : server.getClientCapabilities(),
    notify: (notification) => ctx.mcpReq.notify(notification as Notification),
    // Why ctx.mcpReq.log: it applies the client's level (`logging/setLevel` for 2025, the
    // envelope's log level for 2026-07-28, where a client that names none gets no logs).
    log: (level, data, logger) => ctx.mcpReq.log(level, data, logger),
    ...(inputResponses === undefined ? {} : { inputResponses }),
    ...(typeof state === "string" ? { requestState: state } : {}),
  });
}

/**
 * The downstream view of a stateless 2025 `tools/call` the direct path answers
 * (`direct_dispatch.ts`): what the SDK's per-request server would relay, `send` writes (each
 * related message, before the answer). Raises nothing.
 */
export function statelessLegacyDownstream(
  principalId: string,
  send: (message: Record<string, unknown>) => void,
): DownstreamCall {
  // Why as the SDK frames it: `{ jsonrpc, ...notification }` (its `notification()`).
  const notify = (notification: { method: string; params?: Record<string, unknown> }) => {
    send({ jsonrpc: "2.0", ...notification });
    return Promise.resolve();
  };
  return downstreamCall({
    era: "legacy",
    principalId,
    logLevel: "debug",
    // Why none: a stateless server saw no `initialize` (see `downstreamOf`).
    declared: undefined,
    notify,
    // Why every level, in the SDK's own message: `ctx.mcpReq.log` of a stateless 2025 server (no
    // session, so no `logging/setLevel`) sends each one as `{ level, data, logger }`.
    log: (level, data, logger) =>
      notify({ method: "notifications/message", params: { level, data, logger } }),
  });
}

/**
 * The downstream view of a 2026-07-28 `tools/call` the direct path answers, whose envelope
 * (`meta`) names no log level: nothing is relayed on its stream (no level: the SDK's
 * `ctx.mcpReq.log` drops every log; no progress token: no progress), and the input requests its
 * declared capabilities allow come back as an `input_required` result. Undefined when `meta`
 * names a log level (its logs would turn the SDK's JSON answer into a stream). Raises nothing.
 */
export function quietModernDownstream(
  principalId: string,
  meta: Record<string, unknown>,
): DownstreamCall | undefined {
  if (meta[LOG_LEVEL_META_KEY] !== undefined) return undefined;
  const nothing = () => Promise.resolve();
  return downstreamCall({
    era: "modern",
    principalId,
    logLevel: undefined,
    declared: meta[CLIENT_CAPABILITIES_META_KEY] as ClientCapabilities | undefined,
    notify: nothing,
    log: nothing,
  });
}

/** What {@linkcode downstreamCall} builds a downstream view from. */
interface DownstreamParts {
  era: "modern" | "legacy";
  principalId: string;
  /** The request's `_meta.progressToken`, as it came. */
  progressToken?: unknown;
  /** The log level to ask a 2026-07-28 upstream for, as it came. */
  logLevel: unknown;
  /** The client's declared capabilities. */
  declared: ClientCapabilities | undefined;
  notify: (notification: { method: string; params?: Record<string, unknown> }) => Promise<void>;
  /** Sends one log message at an MCP level, filtered by the client's level. */
  log: (level: LoggingLevel, data: unknown, logger: string | undefined) => Promise<void>;
  inputResponses?: Record<string, unknown>;
  requestState?: string;
}

function downstreamCall(parts: DownstreamParts): DownstreamCall {
  const { progressToken: token, logLevel, declared, inputResponses, requestState } = parts;
  return {
    era: parts.era,
    principalId: parts.principalId,
    ...(typeof token === "string" || typeof token === "number" ? { progressToken: token } : {}),
    ...(typeof logLevel === "string" && LOG_LEVELS.includes(logLevel) ? { logLevel } : {}),
    notify: parts.notify,
    log({ level, data, logger }) {
      // Why: an upstream's level outside the MCP set is dropped, never forwarded as is.
      if (!LOG_LEVELS.includes(level)) return Promise.resolve();
      return parts.log(level as LoggingLevel, data, logger);
    },
    accepts: acceptsOf(declared),
    capabilities: relayable(declared),
    ...(inputResponses === undefined ? {} : { inputResponses }),
    ...(requestState === undefined ? {} : { requestState }),
  };
}

/** The capabilities an upstream's input requests depend on, as the client declared them. */
function relayable(capabilities: ClientCapabilities | undefined): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const name of ["elicitation", "sampling", "roots"] as const) {
    if (capabilities?.[name] !== undefined) kept[name] = capabilities[name];
  }
  return kept;
}

function acceptsOf(capabilities: ClientCapabilities | undefined): DownstreamCall["accepts"] {
  return {
    elicitation: capabilities?.elicitation !== undefined,
    sampling: capabilities?.sampling !== undefined,
    roots: capabilities?.roots !== undefined,
  };
}
