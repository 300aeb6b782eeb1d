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
import { callProbes, EXTRA_TOOLS, POLICY, type Probe, REGION_TOOL } from "./_direct_probes.ts";
import { handshakeProbes } from "./_handshake_probes.ts";

function probes(): Probe[] {
  return [...callProbes(), ...handshakeProbes()];
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
    "2026 cached image content",
    "2026 cached image content again",
    "2026 cached result _meta",
    "2026 cached result _meta again",
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
    "2025 cached image content",
    "2025 cached image content again",
    "2025 cached result _meta",
    "2025 cached result _meta again",
    "2025 valid again (cache hit, string id)",
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
