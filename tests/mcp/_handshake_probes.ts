/**
 * The handshakes `direct_dispatch_test.ts` sends to both paths: 2026-07-28 `server/discover` and
 * the 2025 `initialize`, plain ones and the near misses the direct path must leave to the SDK.
 */

import { BOTH, ENVELOPE, LEGACY, legacy, MODERN, type Probe } from "./_direct_probes.ts";

function discover(
  label: string,
  params: Record<string, unknown> = { _meta: ENVELOPE },
  extra: { headers?: Record<string, string>; id?: unknown } = {},
): Probe {
  return {
    label: `2026 discover ${label}`,
    headers: {
      "accept": BOTH,
      "content-type": "application/json",
      "mcp-protocol-version": MODERN,
      "mcp-method": "server/discover",
      ...extra.headers,
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: extra.id ?? 1, method: "server/discover", params }),
  };
}

export const CLIENT = { name: "direct-test", version: "1.0.0" };

export function initialize(
  params: Record<string, unknown>,
  id: unknown = 0,
): Record<string, unknown> {
  return { jsonrpc: "2.0", id, method: "initialize", params };
}

/** `server/discover` and `initialize` requests, plain ones first within each method. */
export function handshakeProbes(): Probe[] {
  return [
    discover("valid"),
    discover("string id", { _meta: ENVELOPE }, { id: "d-1" }),
    discover("log level", { _meta: { ...ENVELOPE, "io.modelcontextprotocol/logLevel": "info" } }),
    discover("empty params", {}),
    discover("extra param", { _meta: ENVELOPE, extra: 1 }),
    discover("Mcp-Name header", { _meta: ENVELOPE }, { headers: { "mcp-name": "x" } }),
    discover("accept json only", { _meta: ENVELOPE }, {
      headers: { "accept": "application/json" },
    }),
    discover("bad protocol header", { _meta: ENVELOPE }, {
      headers: { "mcp-protocol-version": "2099-01-01" },
    }),
    discover("envelope names 2025", {
      _meta: { ...ENVELOPE, "io.modelcontextprotocol/protocolVersion": LEGACY },
    }),
    discover("envelope clientInfo invalid", {
      _meta: { ...ENVELOPE, "io.modelcontextprotocol/clientInfo": { name: 1 } },
    }),
    discover("tasks extension declared", {
      _meta: {
        ...ENVELOPE,
        "io.modelcontextprotocol/clientCapabilities": {
          extensions: { "io.modelcontextprotocol/tasks": {} },
        },
      },
    }),
    legacy("discover without envelope", { jsonrpc: "2.0", id: 1, method: "server/discover" }),
    legacy(
      "initialize",
      initialize({ protocolVersion: LEGACY, capabilities: {}, clientInfo: CLIENT }),
      { "mcp-protocol-version": "" },
    ),
    legacy(
      "initialize string id",
      initialize({ protocolVersion: LEGACY, capabilities: {}, clientInfo: CLIENT }, "i-1"),
      { "mcp-protocol-version": "" },
    ),
    legacy(
      "initialize 2024-11-05",
      initialize({ protocolVersion: "2024-11-05", capabilities: {}, clientInfo: CLIENT }),
    ),
    legacy(
      "initialize unknown version",
      initialize({ protocolVersion: "1999-01-01", capabilities: {}, clientInfo: CLIENT }),
    ),
    legacy(
      "initialize 2026 version",
      initialize({ protocolVersion: MODERN, capabilities: {}, clientInfo: CLIENT }),
    ),
    legacy(
      "initialize header names another version",
      initialize({ protocolVersion: LEGACY, capabilities: {}, clientInfo: CLIENT }),
      { "mcp-protocol-version": "2025-06-18" },
    ),
    legacy(
      "initialize with client capabilities",
      initialize({
        protocolVersion: LEGACY,
        capabilities: { sampling: {}, roots: { listChanged: true }, elicitation: { form: {} } },
        clientInfo: { ...CLIENT, title: "Direct test" },
      }),
    ),
    legacy(
      "initialize capabilities invalid",
      initialize({ protocolVersion: LEGACY, capabilities: { sampling: 5 }, clientInfo: CLIENT }),
    ),
    legacy(
      "initialize without clientInfo",
      initialize({ protocolVersion: LEGACY, capabilities: {} }),
    ),
    legacy(
      "initialize version not a string",
      initialize({ protocolVersion: 5, capabilities: {}, clientInfo: CLIENT }),
    ),
    legacy(
      "initialize extra param",
      initialize({ protocolVersion: LEGACY, capabilities: {}, clientInfo: CLIENT, extra: 1 }),
    ),
    legacy(
      "initialize with _meta",
      initialize({
        protocolVersion: LEGACY,
        capabilities: {},
        clientInfo: CLIENT,
        _meta: { progressToken: 1 },
      }),
    ),
    legacy(
      "initialize accept json only",
      initialize({ protocolVersion: LEGACY, capabilities: {}, clientInfo: CLIENT }),
      { "accept": "application/json" },
    ),
  ];
}
