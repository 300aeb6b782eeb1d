/**
 * The direct path's calls of federated tools (stateless 2025 ones, 2026-07-28 ones naming no log
 * level) against the SDK path: two real gateways fronting the same stdio upstreams (one
 * 2026-07-28, one 2025-only), one with the direct path and one with `NEXUS_DIRECT_DISPATCH=false`,
 * must answer the same requests byte for byte alike, the upstream's log messages relayed on the
 * answer's stream included.
 */

import assert from "node:assert/strict";
import { createGatewayToolsDir, type Gateway, startGateway } from "../_support/gateway.ts";
import { createClientKey } from "../_support/auth_fixtures.ts";
import { federatedProbeUpstreams } from "../_support/federated_probe_server.ts";
import { directCallOf } from "../../lib/mcp/direct_dispatch.ts";
import { BOTH, ENVELOPE, LEGACY, modern as modernCall, type Probe } from "./_direct_probes.ts";

function legacy(label: string, params: Record<string, unknown>, id: unknown = 7): Probe {
  return {
    label: `2025 ${label}`,
    headers: { "accept": BOTH, "content-type": "application/json", "mcp-protocol-version": LEGACY },
    body: JSON.stringify({ jsonrpc: "2.0", id, method: "tools/call", params }),
  };
}

const CAPABILITIES = "io.modelcontextprotocol/clientCapabilities";

function modern(label: string, params: Record<string, unknown>): Probe {
  // Why its own body: the envelope merged with the probe's own `_meta` (a log level, capabilities).
  return modernCall(label, params, {
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 8,
      method: "tools/call",
      params: { ...params, _meta: { ...ENVELOPE, ...(params._meta as object | undefined) } },
    }),
  });
}

function probes(): Probe[] {
  const each = ["fresh", "aged"].flatMap((up) => [
    legacy(`${up} logs`, { name: `${up}_logs`, arguments: { text: "hi" } }),
    legacy(`${up} logs string id`, { name: `${up}_logs`, arguments: { text: "s" } }, "a-1"),
    legacy(`${up} slow logs`, { name: `${up}_slow_logs`, arguments: {} }),
    legacy(`${up} rich result`, { name: `${up}_rich` }),
    legacy(`${up} tool error`, { name: `${up}_tool_error`, arguments: {} }),
    legacy(`${up} rpc error`, { name: `${up}_rpc_error`, arguments: {} }),
    legacy(`${up} elicitation`, { name: `${up}_confirm`, arguments: {} }),
    legacy(`${up} roots`, { name: `${up}_roots`, arguments: {} }),
    legacy(`${up} invalid arguments`, { name: `${up}_logs`, arguments: { text: 5 } }),
    legacy(`${up} progress token`, {
      name: `${up}_logs`,
      arguments: { text: "p" },
      _meta: { progressToken: 3 },
    }),
    modern(`${up} logs`, { name: `${up}_logs`, arguments: { text: "m" } }),
    modern(`${up} logs with a level`, {
      name: `${up}_logs`,
      arguments: { text: "l" },
      _meta: { "io.modelcontextprotocol/logLevel": "info" },
    }),
    modern(`${up} rich result`, { name: `${up}_rich`, arguments: {} }),
    modern(`${up} tool error`, { name: `${up}_tool_error`, arguments: {} }),
    modern(`${up} rpc error`, { name: `${up}_rpc_error`, arguments: {} }),
    modern(`${up} elicitation undeclared`, { name: `${up}_confirm`, arguments: {} }),
    modern(`${up} elicitation declared`, {
      name: `${up}_confirm`,
      arguments: {},
      _meta: { [CAPABILITIES]: { elicitation: { form: {} } } },
    }),
    modern(`${up} roots declared`, {
      name: `${up}_roots`,
      arguments: {},
      _meta: { [CAPABILITIES]: { roots: {} } },
    }),
  ]);
  return [...each, legacy("unknown tool", { name: "fresh_nope", arguments: {} })];
}

/** The parts of an answer a client reads; request ids in INTERNAL messages blanked out. */
async function answer(gateway: Gateway, key: string, probe: Probe): Promise<string> {
  const response = await fetch(gateway.mcpUrl, {
    method: "POST",
    headers: { ...probe.headers, authorization: `Bearer ${key}` },
    body: probe.body,
  });
  // Why the relay states blanked out: a parked call's holds a random id.
  const body = (await response.text()).replace(
    /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g,
    "<uuid>",
  ).replace(/nexus\.relay\.1\.[A-Za-z0-9_-]+/g, "<relay state>");
  const shown = ["content-type", "cache-control", "connection", "x-accel-buffering"]
    .concat(["mcp-session-id", "content-length", "transfer-encoding"])
    .map((name) => `${name}: ${response.headers.get(name)}`);
  return [`${response.status}`, ...shown, body].join("\n");
}

Deno.test("calls of federated tools: the direct path answers as the SDK path", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "nexus-direct-fed-a-" });
  const sdkDataDir = await Deno.makeTempDir({ prefix: "nexus-direct-fed-b-" });
  try {
    const key = await createClientKey("alice", { NEXUS_DATA_DIR: dataDir });
    // Why a copy: both gateways must know the same key, and each needs its own store.
    await new Deno.Command("cp", { args: ["-a", `${dataDir}/.`, sdkDataDir] }).output();
    await using tools = await createGatewayToolsDir({ "probe.yaml": federatedProbeUpstreams() });
    const envOf = (dir: string, direct: string) => ({
      NEXUS_DATA_DIR: dir,
      NEXUS_DIRECT_DISPATCH: direct,
    });
    await using direct = await startGateway({ toolsDir: tools.dir, env: envOf(dataDir, "true") });
    await using sdk = await startGateway({ toolsDir: tools.dir, env: envOf(sdkDataDir, "false") });
    const answers = new Map<string, string>();
    for (const probe of probes()) {
      const viaSdk = await answer(sdk, key, probe);
      const viaDirect = await answer(direct, key, probe);
      assert.equal(viaDirect, viaSdk, `${probe.label}: the answers differ`);
      answers.set(probe.label, viaDirect);
    }
    for (const up of ["fresh", "aged"]) {
      // Why: the comparison must cover relayed log messages, in order, before the answer.
      const events = answers.get(`2025 ${up} logs`)!.split("\n")
        .filter((line) => line.startsWith("data: "))
        .map((line) => JSON.parse(line.slice("data: ".length)));
      assert.deepEqual(events.map((event) => event.params?.level ?? "answer"), [
        "info",
        "warning",
        "debug",
        "emergency",
        "answer",
      ]);
      assert.deepEqual(events[1].params, {
        level: "warning",
        data: { nested: [1, "two", null], "é": "ü\n" },
      });
      assert.deepEqual(events[4].result.structuredContent, { value: "hi" });
      // Why: the comparison must cover a 2026-07-28 client's input requests from either upstream.
      const asked = answers.get(`2026 ${up} elicitation declared`)!;
      assert.match(asked, /"resultType":"input_required"/);
      assert.match(asked, /"requestState":"<relay state>"/);
    }
  } finally {
    await Deno.remove(dataDir, { recursive: true });
    await Deno.remove(sdkDataDir, { recursive: true });
  }
});

Deno.test("the direct path takes stateless 2025 calls of federated tools without a progress token", () => {
  const taken = probes().filter((probe) => {
    const request = new Request("http://127.0.0.1/mcp", { method: "POST", headers: probe.headers });
    const call = directCallOf(request, JSON.parse(probe.body));
    return call?.era === "legacy";
  }).map((probe) => probe.label);
  assert.equal(taken.length, 2 * 9 + 1);
  assert.ok(taken.every((label) => !label.includes("progress token")));
});
