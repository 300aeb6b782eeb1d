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
  const token = ctx.mcpReq._meta?.progressToken;
  const state = ctx.mcpReq.requestState<unknown>();
  const inputResponses = ctx.mcpReq.inputResponses;
  const envelope = (ctx.mcpReq.envelope ?? {}) as Record<string, unknown>;
  // Why "debug" for 2025: its client sets a level per session (`logging/setLevel`, or none, which
  // means every message), and `log` below filters against it; a 2026-07-28 upstream sends logs
  // only for a level named on the call, so it is asked for all of them.
  const logLevel = modern ? envelope[LOG_LEVEL_META_KEY] : "debug";
  // Why the server's own for 2025: it holds what `initialize` declared, which only a session or a
  // stdio connection saw; a stateless instance saw none, so it offers nothing.
  const declared = modern
    ? envelope[CLIENT_CAPABILITIES_META_KEY] as ClientCapabilities | undefined
    : server.getClientCapabilities();
  return {
    era: modern ? "modern" : "legacy",
    principalId,
    ...(typeof token === "string" || typeof token === "number" ? { progressToken: token } : {}),
    ...(typeof logLevel === "string" && LOG_LEVELS.includes(logLevel) ? { logLevel } : {}),
    notify: (notification) => ctx.mcpReq.notify(notification as Notification),
    log({ level, data, logger }) {
      // Why: an upstream's level outside the MCP set is dropped, never forwarded as is.
      if (!LOG_LEVELS.includes(level)) return Promise.resolve();
      // Why ctx.mcpReq.log: it applies the client's level (`logging/setLevel` for 2025, the
      // envelope's log level for 2026-07-28, where a client that names none gets no logs).
      return ctx.mcpReq.log(level as LoggingLevel, data, logger);
    },
    accepts: acceptsOf(declared),
    capabilities: relayable(declared),
    ...(inputResponses === undefined ? {} : { inputResponses }),
    ...(typeof state === "string" ? { requestState: state } : {}),
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
