/**
 * The requests `direct_dispatch_test.ts` sends to the direct path and the SDK path alike: plain
 * `tools/call`s and `tools/list`s of both eras, and the near misses the direct path must leave to
 * the SDK (`_handshake_probes.ts` holds the handshakes). With the tools and policy they need.
 */

export const MODERN = "2026-07-28";
export const LEGACY = "2025-11-25";
export const ENVELOPE = {
  "io.modelcontextprotocol/protocolVersion": MODERN,
  "io.modelcontextprotocol/clientInfo": { name: "direct-test", version: "1.0.0" },
  "io.modelcontextprotocol/clientCapabilities": {},
};
export const BOTH = "application/json, text/event-stream";

/** Tools whose results are not plain text: the direct path hands their answers to the SDK. */
export const EXTRA_TOOLS = `import { defineTool, z } from "nexus/tool";
export const keyOrder = defineTool({
  name: "key_order", description: "Result keys out of schema order.", input: z.object({}),
  handler: () => ({ isError: false, structuredContent: { z: 1, a: [2, { y: null }] },
    content: [{ text: "hi", type: "text" }] }),
});
export const image = defineTool({
  name: "image_tool", description: "Image content.", input: z.object({}),
  handler: () => ({ content: [{ type: "image", data: "aGk=", mimeType: "image/png" }] }),
});
export const withMeta = defineTool({
  name: "meta_tool", description: "A result with _meta.", input: z.object({}),
  handler: () => ({ content: [{ type: "text", text: "m" }], _meta: { "x/y": 1 } }),
});
export const cachedImage = defineTool({
  name: "cached_image", description: "Image content, cached.", input: z.object({}),
  annotations: { readOnlyHint: true }, cache: { ttl: "5m" },
  handler: () => ({ content: [{ type: "image", data: "aGk=", mimeType: "image/png" }] }),
});
export const cachedMeta = defineTool({
  name: "cached_meta", description: "A result with _meta, cached.", input: z.object({}),
  annotations: { readOnlyHint: true }, cache: { ttl: "5m" },
  handler: () => ({ content: [{ type: "text", text: "m" }], _meta: { "x/y": 1 },
    structuredContent: { n: 1 } }),
});
export const fails = defineTool({
  name: "fails_tool", description: "Throws.", input: z.object({}),
  handler: () => { throw new Error("boom"); },
});
`;

/** A tool whose `region` argument must also arrive as the `Mcp-Param-Region` header. */
export const REGION_TOOL = `tools:
  - name: region_tool
    description: A tool with an Mcp-Param header.
    input:
      type: object
      properties:
        region: { type: string, x-mcp-header: Region }
      required: [region]
    http:
      method: GET
      url: http://127.0.0.1:9/{region}
`;

export const POLICY = `policies:
  - name: alice
    clients: ["key:alice"]
    tools: [demo_*, text_stats, key_order, image_tool, meta_tool, fails_tool, region_tool, cached_*]
`;

export interface Probe {
  label: string;
  headers: Record<string, string>;
  body: string;
}

export function modern(
  label: string,
  params: Record<string, unknown>,
  extra: Partial<Probe> = {},
): Probe {
  const name = String(params.name);
  return {
    label: `2026 ${label}`,
    headers: {
      "accept": BOTH,
      "content-type": "application/json",
      "mcp-protocol-version": MODERN,
      "mcp-method": "tools/call",
      "mcp-name": name,
      ...extra.headers,
    },
    body: extra.body ??
      JSON.stringify({
        method: "tools/call",
        params: { _meta: ENVELOPE, ...params },
        jsonrpc: "2.0",
        id: 7,
      }),
  };
}

export function modernList(label: string, params: Record<string, unknown>, id: unknown = 8): Probe {
  return {
    label: `2026 list ${label}`,
    headers: {
      "accept": BOTH,
      "content-type": "application/json",
      "mcp-protocol-version": MODERN,
      "mcp-method": "tools/list",
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id,
      method: "tools/list",
      params: { _meta: ENVELOPE, ...params },
    }),
  };
}

export function legacy(label: string, body: unknown, headers: Record<string, string> = {}): Probe {
  return {
    label: `2025 ${label}`,
    headers: {
      "accept": BOTH,
      "content-type": "application/json",
      "mcp-protocol-version": LEGACY,
      ...headers,
    },
    body: JSON.stringify(body),
  };
}

export function call(name: string, args?: unknown, id: unknown = 3): Record<string, unknown> {
  return {
    jsonrpc: "2.0",
    id,
    method: "tools/call",
    params: args === undefined ? { name } : { name, arguments: args },
  };
}

/** Requests of both eras the direct path takes or leaves (calls, lists), in a fixed order. */
export function callProbes(): Probe[] {
  const stats = { name: "text_stats", arguments: { text: "a b\nc" } };
  return [
    modern("valid", stats),
    modern("valid again (cache hit)", stats),
    modern("string id", stats, {
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: "x-1",
        method: "tools/call",
        params: { ...stats, _meta: ENVELOPE },
      }),
    }),
    modern("invalid arguments (isError)", { name: "text_stats", arguments: { text: 5 } }),
    modern("arguments not an object", { name: "text_stats", arguments: [1] }),
    modern("no arguments", { name: "key_order" }),
    modern("unknown tool", { name: "no_such_tool", arguments: {} }),
    modern("denied tool", { name: "uuid_generate", arguments: {} }),
    modern("key order", { name: "key_order", arguments: {} }),
    modern("image content", { name: "image_tool", arguments: {} }),
    // Why each twice: the second is a cache hit, whose result is the cache's frozen one.
    modern("cached image content", { name: "cached_image", arguments: {} }),
    modern("cached image content again", { name: "cached_image", arguments: {} }),
    modern("cached result _meta", { name: "cached_meta", arguments: {} }),
    modern("cached result _meta again", { name: "cached_meta", arguments: {} }),
    modern("result _meta", { name: "meta_tool", arguments: {} }),
    modern("tool throws", { name: "fails_tool", arguments: {} }),
    modern("HTTP tool", { name: "demo_echo", arguments: { message: "hello" } }),
    modern("progress token", {
      name: "text_stats",
      arguments: { text: "p" },
      _meta: { ...ENVELOPE, progressToken: 9 },
    }),
    modern("Mcp-Name mismatch", stats, { headers: { "mcp-name": "key_order" } }),
    modern("Mcp-Param header", { name: "region_tool", arguments: { region: "eu" } }, {
      headers: { "mcp-param-region": "eu" },
    }),
    modern("Mcp-Param header mismatch", { name: "region_tool", arguments: { region: "eu" } }, {
      headers: { "mcp-param-region": "us" },
    }),
    modern("Mcp-Param header missing", { name: "region_tool", arguments: { region: "eu" } }),
    modern("bad protocol header", stats, { headers: { "mcp-protocol-version": "2099-01-01" } }),
    modern("accept json only", stats, { headers: { "accept": "application/json" } }),
    modern("accept reordered", stats, {
      headers: { "accept": "text/event-stream, application/json" },
    }),
    modern("missing envelope", { ...stats, _meta: {} }),
    modern("envelope names 2025", {
      ...stats,
      _meta: { ...ENVELOPE, "io.modelcontextprotocol/protocolVersion": LEGACY },
    }),
    modern("envelope capabilities invalid", {
      ...stats,
      _meta: { ...ENVELOPE, "io.modelcontextprotocol/clientCapabilities": { sampling: 5 } },
    }),
    modern("envelope clientInfo invalid", {
      ...stats,
      _meta: { ...ENVELOPE, "io.modelcontextprotocol/clientInfo": { name: 1 } },
    }),
    modern("tasks extension declared", {
      ...stats,
      _meta: {
        ...ENVELOPE,
        "io.modelcontextprotocol/clientCapabilities": {
          extensions: { "io.modelcontextprotocol/tasks": {} },
        },
      },
    }),
    modernList("no cursor", {}),
    modernList("string id", {}, "l-1"),
    modernList("bad cursor", { cursor: "zzz" }),
    modernList("cursor not a string", { cursor: 5 }),
    modernList("extra param", { extra: 1 }),
    legacy("list", { jsonrpc: "2.0", id: 4, method: "tools/list" }),
    legacy("list with params", { jsonrpc: "2.0", id: 4, method: "tools/list", params: {} }),
    legacy("list null params", { jsonrpc: "2.0", id: 4, method: "tools/list", params: null }),
    legacy("list bad cursor", {
      jsonrpc: "2.0",
      id: 4,
      method: "tools/list",
      params: { cursor: "zzz" },
    }),
    legacy("valid", call("text_stats", { text: "a b\nc" })),
    legacy("no protocol header", call("text_stats", { text: "q" }), { "mcp-protocol-version": "" }),
    legacy("invalid arguments (isError)", call("text_stats", { text: 5 })),
    legacy("null arguments", call("key_order", null)),
    legacy("unknown tool", call("no_such_tool", {})),
    legacy("denied tool", call("uuid_generate", {})),
    legacy("key order", call("key_order", {})),
    legacy("image content", call("image_tool", {})),
    legacy("cached image content", call("cached_image", {})),
    legacy("cached image content again", call("cached_image", {})),
    legacy("cached result _meta", call("cached_meta", {})),
    legacy("cached result _meta again", call("cached_meta", {})),
    legacy("valid again (cache hit, string id)", call("text_stats", { text: "a b\nc" }, "s-1")),
    legacy("result _meta", call("meta_tool", {})),
    legacy("tool throws", call("fails_tool", {})),
    legacy("HTTP tool", call("demo_echo", { message: "hello" })),
    legacy("float id", call("text_stats", { text: "f" }, 1.5)),
    legacy("null id", call("text_stats", { text: "f" }, null)),
    legacy("progress token", {
      ...call("text_stats", { text: "t" }),
      params: { name: "text_stats", arguments: { text: "t" }, _meta: { progressToken: "p1" } },
    }),
    legacy("bad protocol header", call("text_stats", { text: "b" }), {
      "mcp-protocol-version": "1999-01-01",
    }),
    legacy("2026 header without envelope", call("text_stats", { text: "h" }), {
      "mcp-protocol-version": MODERN,
    }),
    legacy("accept json only", call("text_stats", { text: "b" }), { "accept": "application/json" }),
    legacy("batch", [call("text_stats", { text: "b" }, 1), call("key_order", {}, 2)]),
    legacy("notification", { jsonrpc: "2.0", method: "notifications/initialized" }),
    legacy("extra top-level key", { ...call("text_stats", { text: "e" }), extra: 1 }),
  ];
}
