/**
 * The direct `tools/call` path against the SDK path: two real gateways on the same tools, keys and
 * policies, one with the direct path (the default) and one with `NEXUS_DIRECT_DISPATCH=false`,
 * get the same requests of both eras and must answer them byte for byte alike (status, the
 * headers a client reads, body). Plus which requests the direct path takes at all.
 */

import assert from "node:assert/strict";
import { createGatewayToolsDir, type Gateway, startGateway } from "../_support/gateway.ts";
import { createClientKey } from "../_support/auth_fixtures.ts";
import { directCallOf } from "../../lib/mcp/direct_dispatch.ts";
import { handshakeDirect } from "../../lib/mcp/direct_handshake.ts";

const MODERN = "2026-07-28";
const LEGACY = "2025-11-25";
const ENVELOPE = {
  "io.modelcontextprotocol/protocolVersion": MODERN,
  "io.modelcontextprotocol/clientInfo": { name: "direct-test", version: "1.0.0" },
  "io.modelcontextprotocol/clientCapabilities": {},
};
const BOTH = "application/json, text/event-stream";

/** Tools whose results are not plain text: the direct path hands their answers to the SDK. */
const EXTRA_TOOLS = `import { defineTool, z } from "nexus/tool";
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
export const fails = defineTool({
  name: "fails_tool", description: "Throws.", input: z.object({}),
  handler: () => { throw new Error("boom"); },
});
`;

/** A tool whose `region` argument must also arrive as the `Mcp-Param-Region` header. */
const REGION_TOOL = `tools:
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

const POLICY = `policies:
  - name: alice
    clients: ["key:alice"]
    tools: [demo_*, text_stats, key_order, image_tool, meta_tool, fails_tool, region_tool]
`;

interface Probe {
  label: string;
  headers: Record<string, string>;
  body: string;
}

function modern(label: string, params: Record<string, unknown>, extra: Partial<Probe> = {}): Probe {
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

function modernList(label: string, params: Record<string, unknown>, id: unknown = 8): Probe {
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

const CLIENT = { name: "direct-test", version: "1.0.0" };

function initialize(params: Record<string, unknown>, id: unknown = 0): Record<string, unknown> {
  return { jsonrpc: "2.0", id, method: "initialize", params };
}

function legacy(label: string, body: unknown, headers: Record<string, string> = {}): Probe {
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

function call(name: string, args?: unknown, id: unknown = 3): Record<string, unknown> {
  return {
    jsonrpc: "2.0",
    id,
    method: "tools/call",
    params: args === undefined ? { name } : { name, arguments: args },
  };
}

function probes(): Probe[] {
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
    legacy("valid", call("text_stats", { text: "a b\nc" })),
    legacy("no protocol header", call("text_stats", { text: "q" }), { "mcp-protocol-version": "" }),
    legacy("invalid arguments (isError)", call("text_stats", { text: 5 })),
    legacy("null arguments", call("key_order", null)),
    legacy("unknown tool", call("no_such_tool", {})),
    legacy("denied tool", call("uuid_generate", {})),
    legacy("key order", call("key_order", {})),
    legacy("image content", call("image_tool", {})),
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

/** The parts of an answer a client reads; request ids in INTERNAL messages blanked out. */
async function answer(gateway: Gateway, key: string, probe: Probe): Promise<string> {
  const headers = Object.fromEntries(
    Object.entries(probe.headers).filter(([, value]) => value !== ""),
  );
  const response = await fetch(gateway.mcpUrl, {
    method: "POST",
    headers: { ...headers, authorization: `Bearer ${key}` },
    body: probe.body,
  });
  const body = (await response.text()).replace(
    /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g,
    "<uuid>",
  );
  const shown = ["content-type", "cache-control", "connection", "x-accel-buffering"]
    .concat(["mcp-session-id", "content-length", "transfer-encoding", "www-authenticate"])
    .map((name) => `${name}: ${response.headers.get(name)}`);
  return [`${response.status}`, ...shown, body].join("\n");
}

Deno.test("the direct path answers every request byte for byte as the SDK path", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "nexus-direct-a-" });
  const sdkDataDir = await Deno.makeTempDir({ prefix: "nexus-direct-b-" });
  try {
    await Deno.writeTextFile(`${dataDir}/nexus.yaml`, POLICY);
    const key = await createClientKey("alice", { NEXUS_DATA_DIR: dataDir });
    // Why a copy: both gateways must know the same key, and each needs its own store.
    await new Deno.Command("cp", { args: ["-a", `${dataDir}/.`, sdkDataDir] }).output();
    await using tools = await createGatewayToolsDir({
      "direct_extra.ts": EXTRA_TOOLS,
      "region.yaml": REGION_TOOL,
    });
    const envOf = (dir: string, direct: string) => ({
      NEXUS_DATA_DIR: dir,
      NEXUS_CONFIG: `${dir}/nexus.yaml`,
      NEXUS_DIRECT_DISPATCH: direct,
    });
    await using direct = await startGateway({ toolsDir: tools.dir, env: envOf(dataDir, "true") });
    await using sdk = await startGateway({ toolsDir: tools.dir, env: envOf(sdkDataDir, "false") });
    for (const probe of probes()) {
      const viaSdk = await answer(sdk, key, probe);
      const viaDirect = await answer(direct, key, probe);
      assert.equal(viaDirect, viaSdk, `${probe.label}: the answers differ`);
    }
    // Why: the comparison must cover answers the direct path writes itself, not only errors.
    const plain = await answer(direct, key, probes()[0]!);
    assert.match(plain, /^200\n[\s\S]*"structuredContent":\{"characters":5,"words":3,"lines":2\}/);
    const found = (label: string) => probes().find((probe) => probe.label === label)!;
    assert.match(await answer(direct, key, found("2026 discover valid")), /"supportedVersions"/);
    assert.match(await answer(direct, key, found("2025 initialize")), /"protocolVersion"/);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
    await Deno.remove(sdkDataDir, { recursive: true });
  }
});

Deno.test("the direct path takes plain calls of both eras and leaves the rest to the SDK", () => {
  const taken = probes().filter((probe) => {
    const headers = Object.fromEntries(
      Object.entries(probe.headers).filter(([, value]) => value !== ""),
    );
    const request = new Request("http://127.0.0.1/mcp", { method: "POST", headers });
    return directCallOf(request, JSON.parse(probe.body)) !== undefined;
  }).map((probe) => probe.label);
  assert.deepEqual(taken, [
    "2026 valid",
    "2026 valid again (cache hit)",
    "2026 string id",
    "2026 invalid arguments (isError)",
    "2026 no arguments",
    "2026 unknown tool",
    "2026 denied tool",
    "2026 key order",
    "2026 image content",
    "2026 result _meta",
    "2026 tool throws",
    "2026 HTTP tool",
    "2026 Mcp-Param header",
    "2026 Mcp-Param header mismatch",
    "2026 Mcp-Param header missing",
    "2026 accept json only",
    "2026 accept reordered",
    "2025 valid",
    "2025 no protocol header",
    "2025 invalid arguments (isError)",
    "2025 unknown tool",
    "2025 denied tool",
    "2025 key order",
    "2025 image content",
    "2025 result _meta",
    "2025 tool throws",
    "2025 HTTP tool",
  ]);
});

Deno.test("the direct path answers plain handshakes and leaves the rest to the SDK", () => {
  const takenWith = (federates: boolean) =>
    probes().filter((probe) => {
      const headers = Object.fromEntries(
        Object.entries(probe.headers).filter(([, value]) => value !== ""),
      );
      const request = new Request("http://127.0.0.1/mcp", { method: "POST", headers });
      const deps = { listTtlMs: 60_000, federates: () => federates };
      return handshakeDirect(request, JSON.parse(probe.body), deps) !== undefined;
    }).map((probe) => probe.label);
  const plain = [
    "2026 discover valid",
    "2026 discover string id",
    "2026 discover log level",
    "2026 discover accept json only",
    "2025 initialize",
    "2025 initialize string id",
    "2025 initialize 2024-11-05",
    "2025 initialize unknown version",
    "2025 initialize 2026 version",
    "2025 initialize header names another version",
  ];
  assert.deepEqual(takenWith(false), [...plain, "2025 initialize with client capabilities"]);
  // Why: with a federated tool, a client declaring sampling gets a session from the SDK path.
  assert.deepEqual(takenWith(true), plain);
});
