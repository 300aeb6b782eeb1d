/**
 * The 2025-era exchange of the federation section: what a real SDK v2 client with its default
 * (`legacy`, 2025-11-25) connect sends (`initialize`, `notifications/initialized`, then
 * `tools/call`), captured once per set-up, so the load generator can replay it per session.
 */

import {
  Client,
  type FetchLike,
  StreamableHTTPClientTransport,
} from "@modelcontextprotocol/client";
import { CAPTURE_ID, type SentRequest } from "./capture.ts";

/** The captured 2025-era exchange of one set-up. */
export interface LegacyExchange {
  url: string;
  /** The protocol version the server agreed to in its `initialize` result. */
  protocolVersion: string;
  /** Whether the server gave the client an `Mcp-Session-Id`. */
  sessionful: boolean;
  initialize: SentRequest;
  initialized: SentRequest;
  /** The `tools/call` POST, session header removed, split around the `id` argument. */
  call: { headers: Record<string, string>; bodyBefore: string; bodyAfter: string };
  /** Every request the client sent, in order, for the report. */
  exchange: SentRequest[];
}

const SESSION_HEADER = "mcp-session-id";

/**
 * Connects a real client (default 2025-era connect) to `url`, calls `get_item` once and returns
 * the requests it sent.
 * @throws Error when the call fails or one of the three POSTs was not seen.
 */
export async function captureLegacyExchange(url: string): Promise<LegacyExchange> {
  const exchange: SentRequest[] = [];
  const recordingFetch: FetchLike = (target, init) => {
    exchange.push({
      method: init?.method ?? "GET",
      headers: Object.fromEntries(new Headers(init?.headers).entries()),
      body: typeof init?.body === "string" ? init.body : "",
    });
    return fetch(target, init);
  };
  const client = new Client({ name: "nexus-bench", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { fetch: recordingFetch }));
  try {
    const result = await client.callTool({ name: "get_item", arguments: { id: CAPTURE_ID } });
    const first = result.content[0];
    if (result.isError || first?.type !== "text" || !first.text.includes(CAPTURE_ID)) {
      throw new Error(`Capture call failed at ${url}: ${JSON.stringify(result)}`);
    }
    return splitExchange(url, exchange, client.getNegotiatedProtocolVersion() ?? "");
  } finally {
    await client.close();
  }
}

function splitExchange(url: string, exchange: SentRequest[], version: string): LegacyExchange {
  const find = (method: string) => {
    const sent = exchange.find((request) => request.body.includes(`"method":"${method}"`));
    if (sent === undefined) throw new Error(`No ${method} POST seen while capturing at ${url}`);
    return sent;
  };
  const initialize = find("initialize");
  const initialized = find("notifications/initialized");
  const call = find("tools/call");
  const marker = JSON.stringify(CAPTURE_ID);
  const parts = call.body.split(marker);
  if (parts.length !== 2) {
    throw new Error(
      `Captured tools/call body names the id ${parts.length - 1} times: ${call.body}`,
    );
  }
  return {
    url,
    protocolVersion: version || (call.headers["mcp-protocol-version"] ?? "unknown"),
    sessionful: call.headers[SESSION_HEADER] !== undefined,
    initialize,
    initialized: { ...initialized, headers: withoutSession(initialized.headers) },
    call: {
      headers: withoutSession(call.headers),
      bodyBefore: `${parts[0]}"`,
      bodyAfter: `"${parts[1]}`,
    },
    exchange,
  };
}

function withoutSession(headers: Record<string, string>): Record<string, string> {
  const { [SESSION_HEADER]: _session, ...rest } = headers;
  return rest;
}
