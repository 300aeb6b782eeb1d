/**
 * Session recovery for federated calls: when a call fails because the upstream's session or
 * connection is gone (`UpstreamConnection.lost`), the connection re-establishes it at the next
 * `client()`, and the call is sent again once, only if the tool is marked `readOnlyHint: true`.
 * A tool without that mark may have changed something before the loss, so it is never repeated:
 * the caller gets `UPSTREAM_UNAVAILABLE` saying it was not retried.
 */

import { GatewayError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { McpCallClient } from "../registry/mod.ts";
import type { Client } from "@modelcontextprotocol/client";
import type { UpstreamCall, UpstreamConnection } from "./connection.ts";

/** What {@linkcode recoveringClient} needs besides the connection. */
export interface RecoveryOptions {
  /** The upstream's name, for messages and logs. */
  upstream: string;
  /** Whether the upstream marks its tool (by upstream name) `readOnlyHint: true`. */
  readOnly: (tool: string) => boolean;
  /** Where a retry is recorded. */
  logger: Logger;
}

type CallTool = McpCallClient["callTool"];

/**
 * The `client` hook of an upstream's federated tools: the connection's client for a call, whose
 * `callTool` recovers a lost session once for read-only tools; every other member is the SDK
 * client's own. The hook raises what `connection.client()` raises.
 */
export function recoveringClient(
  connection: UpstreamConnection,
  options: RecoveryOptions,
): (call?: UpstreamCall) => Promise<McpCallClient> {
  // Why a cache: one view per SDK client (per child, for perClient), not one per call.
  const views = new WeakMap<Client, McpCallClient>();
  return async function client(call = {}) {
    const live = await connection.client(call);
    if (connection.lost === undefined) return live;
    let view = views.get(live);
    if (view === undefined) {
      view = withCallTool(live, recovering(connection, live, { ...options, call }));
      views.set(live, view);
    }
    return view;
  };
}

function recovering(
  connection: UpstreamConnection,
  client: Client,
  options: RecoveryOptions & { call: UpstreamCall },
): CallTool {
  const lost = (used: Client, error: unknown) => connection.lost?.(used, error);
  return async function callTool(params, callOptions) {
    try {
      return await client.callTool(params, callOptions);
    } catch (error) {
      const reason = callOptions?.signal?.aborted ? undefined : lost(client, error);
      if (reason === undefined) throw error;
      if (!options.readOnly(params.name)) {
        throw new GatewayError(
          "UPSTREAM_UNAVAILABLE",
          `Upstream "${options.upstream}" ${reason} during the call of "${params.name}"; ` +
            "the call was not retried: the tool is not marked readOnlyHint",
          { data: { upstream: options.upstream, retried: false }, cause: error },
        );
      }
      options.logger.info("Upstream session re-established; retrying a read-only call once", {
        upstream: options.upstream,
        tool: params.name,
        reason,
      });
      const fresh = await connection.client(options.call);
      try {
        return await fresh.callTool(params, callOptions);
      } catch (retryError) {
        const again = callOptions?.signal?.aborted ? undefined : lost(fresh, retryError);
        if (again === undefined) throw retryError;
        throw new GatewayError(
          "UPSTREAM_UNAVAILABLE",
          `Upstream "${options.upstream}" ${reason} during the call of "${params.name}", ` +
            `and ${again} during its one retry`,
          { data: { upstream: options.upstream, retried: true }, cause: retryError },
        );
      }
    }
  };
}

/** A view of `client` with `callTool` replaced; other members act on the client itself. */
function withCallTool(client: Client, callTool: CallTool): McpCallClient {
  return new Proxy(client, {
    get(target, property) {
      if (property === "callTool") return callTool;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
