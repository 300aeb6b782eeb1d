/**
 * Every series the operations issue names is on `/metrics`, read with a real Prometheus text
 * parser (`parse-prometheus-text-format`, a port of Prometheus' own Go text parser, so a scrape
 * it accepts is one Prometheus accepts), and moves after a workload: calls and latency by tool,
 * backend and outcome; errors by code; cache hits, misses and coalesced calls; limit rejections
 * by scope; OAuth token requests; upstream circuit states and restarts; the audit buffer; calls in
 * flight; process memory.
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import parsePrometheus from "parse-prometheus-text-format";
import { generateMasterKey } from "../../lib/credentials/mod.ts";
import { createClientKey } from "../_support/auth_fixtures.ts";
import { runNexus } from "../_support/cli.ts";
import { connect, createGatewayToolsDir, REPO_ROOT, startGateway } from "../_support/gateway.ts";
import { startOAuthServer } from "../_support/oauth_server.ts";
import { processTable } from "../_support/processes.ts";

const FIXTURE = fileURLToPath(new URL("../_support/stdio_fixture_server.ts", import.meta.url));
const CLIENT_SECRET = "cs-metrics-e2e-0001";

/** One family as the parser returns it (prom2json's shape; the package ships no types). */
interface ParsedFamily {
  name: string;
  type: string;
  metrics: Array<{
    labels?: Record<string, string>;
    value?: string;
    buckets?: Record<string, string>;
    count?: string;
    sum?: string;
  }>;
}

const parse = parsePrometheus as unknown as (text: string) => ParsedFamily[];

const TS_TOOLS = `import { defineTool, z } from "nexus/tool";

/** Waits, then echoes; cached, so identical concurrent calls share one flight. */
export const slowCached = defineTool({
  name: "slow_cached",
  description: "Waits, then echoes the text.",
  input: z.object({ text: z.string(), ms: z.number().int() }),
  annotations: { readOnlyHint: true },
  cache: { ttl: "1m" },
  timeout: "30s",
  async handler({ text, ms }) {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return { content: [{ type: "text", text }] };
  },
});

/** One call per minute per client. */
export const limited = defineTool({
  name: "limited",
  description: "Answers ok, once a minute.",
  input: z.object({}),
  rateLimit: { perClient: "1/min" },
  handler() {
    return { content: [{ type: "text", text: "ok" }] };
  },
});
`;

function filesFor(idp: string, marker: string): Record<string, string> {
  return {
    "metrics_tools.ts": TS_TOOLS,
    "oauth.yaml": `tools:
  - name: oauth_cc
    description: Calls the stand-in API with a client-credentials token.
    auth: metrics-cc
    http: { url: "${idp}/api/cc" }
`,
    "local.yaml": `upstreams:
  - name: local
    stdio:
      command: ${JSON.stringify(Deno.execPath())}
      args: ["run", "--quiet", "--no-prompt", "--allow-env", "--allow-run", ${
      JSON.stringify(FIXTURE)
    }, ${JSON.stringify(marker)}]
      env: { NO_COLOR: "1" }
      cwd: ${JSON.stringify(REPO_ROOT)}
`,
  };
}

/**
 * Samples by `name{sorted labels}` → value; histograms as their `_count`, `_sum` and `_bucket`
 * lines. Why two parses: the parser validates the whole scrape (it throws on any line outside
 * the grammar), but its histogram grouping keeps only unlabelled histograms (it merges labelled
 * series and drops their labels, sum and count); parsed again with histograms declared
 * `untyped`, each `_bucket`, `_sum` and `_count` line comes back with its labels.
 */
function samplesOf(text: string): Map<string, number> {
  const typed = parse(text);
  const histograms = new Set(typed.filter((f) => f.type === "HISTOGRAM").map((f) => f.name));
  const untyped = parse(text.replace(/^# TYPE (\S+) histogram$/gm, "# TYPE $1 untyped"));
  const out = new Map<string, number>();
  for (const family of [...typed, ...untyped]) {
    if (family.type === "HISTOGRAM" || histograms.has(family.name)) continue;
    for (const metric of family.metrics) {
      const labels = metric.labels ?? {};
      const inner = Object.keys(labels).sort().map((k) => `${k}="${labels[k]}"`).join(",");
      out.set(inner === "" ? family.name : `${family.name}{${inner}}`, Number(metric.value));
    }
  }
  return out;
}

Deno.test("/metrics carries every operations series, parsed by a Prometheus text parser, and they move", async () => {
  const idp = startOAuthServer({ clientId: "nexus-metrics", clientSecret: CLIENT_SECRET });
  const marker = `nexus-metrics-e2e-${crypto.randomUUID()}`;
  const dataDir = await Deno.makeTempDir({ prefix: "nexus-e2e-metrics-series-" });
  try {
    const env = { NEXUS_DATA_DIR: dataDir, NEXUS_MASTER_KEY: generateMasterKey() };
    const adminKey = await createClientKey("prometheus", env, ["--admin"]);
    const stored = await runNexus([
      "credentials",
      "set",
      "metrics-cc",
      "--kind",
      "oauth2_client_credentials",
      "--token-url",
      idp.tokenUrl,
      "--client-id",
      "nexus-metrics",
    ], { env, stdin: CLIENT_SECRET });
    assert.equal(stored.code, 0, stored.stderr);
    await using tools = await createGatewayToolsDir(filesFor(idp.url, marker));
    await using gateway = await startGateway({ toolsDir: tools.dir, env });
    const scrape = async () => {
      const response = await fetch(`${gateway.url}/metrics`, {
        headers: { authorization: `Bearer ${adminKey}` },
      });
      assert.equal(response.status, 200);
      return samplesOf(await response.text());
    };
    const before = await scrape();
    await using client = await connect("2026-07-28", gateway.mcpUrl);

    // In flight: a slow call is counted while it runs.
    const slow = client.callTool({ name: "slow_cached", arguments: { text: "a", ms: 1500 } });
    const twin = client.callTool({ name: "slow_cached", arguments: { text: "a", ms: 1500 } });
    let during = await scrape();
    for (let i = 0; i < 40 && (during.get("nexus_tool_calls_in_flight") ?? 0) < 1; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      during = await scrape();
    }
    assert.ok((during.get("nexus_tool_calls_in_flight") ?? 0) >= 1, "a running call in flight");
    await Promise.all([slow, twin]);
    await client.callTool({ name: "slow_cached", arguments: { text: "a", ms: 1500 } }); // a hit
    await client.callTool({ name: "limited", arguments: {} });
    const denied = await client.callTool({ name: "limited", arguments: {} }).catch((e) => e);
    assert.ok(denied instanceof Error || denied.isError === true, "the second call is limited");
    await client.callTool({ name: "nope_not_a_tool", arguments: {} }).catch(() => {});
    const token = await client.callTool({ name: "oauth_cc", arguments: {} });
    assert.notEqual(token.isError, true, JSON.stringify(token));
    assert.equal(
      (await client.callTool({ name: "local_echo", arguments: { text: "x" } })).isError,
      undefined,
    );
    // A stdio child that dies is restarted by its supervisor.
    const child = (await processTable()).find((p) => p.cmdline.includes(marker));
    assert.ok(child, "the stdio child runs");
    Deno.kill(child.pid, "SIGKILL");
    let echoed = false;
    for (let i = 0; i < 40 && !echoed; i++) {
      const result = await client.callTool({ name: "local_echo", arguments: { text: "y" } })
        .catch(() => undefined);
      echoed = result !== undefined && result.isError === undefined;
      if (!echoed) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(echoed, "the restarted child answers");
    const after = await scrape();

    const moved = (name: string, by = 1) => {
      const delta = (after.get(name) ?? 0) - (before.get(name) ?? 0);
      assert.ok(after.has(name), `${name} missing:\n${[...after.keys()].join("\n")}`);
      assert.ok(delta >= by, `${name} moved by ${delta}, expected at least ${by}`);
    };
    const slowOk = 'backend="ts",outcome="ok",tool="slow_cached"';
    moved(`nexus_tool_calls_total{${slowOk}}`, 3);
    moved(`nexus_tool_call_duration_seconds_count{${slowOk}}`, 3);
    moved(
      `nexus_tool_call_duration_seconds_bucket{backend="ts",le="+Inf",outcome="ok",tool="slow_cached"}`,
      3,
    );
    moved('nexus_tool_calls_total{backend="mcp/local",outcome="ok",tool="local_echo"}', 2);
    moved('nexus_tool_calls_total{backend="http",outcome="ok",tool="oauth_cc"}');
    moved('nexus_tool_errors_total{code="NOT_FOUND"}');
    moved('nexus_tool_errors_total{code="RATE_LIMITED"}');
    moved("nexus_cache_misses_total");
    moved("nexus_cache_hits_total");
    moved("nexus_cache_coalesced_total");
    moved('nexus_rate_limit_rejections_total{scope="perClient"}');
    moved('nexus_credential_token_requests_total{grant="client_credentials"}');
    moved('nexus_upstream_restarts_total{upstream="local"}');
    assert.equal(after.get('nexus_upstream_circuit_state{state="closed",upstream="local"}'), 1);
    assert.equal(after.get('nexus_upstream_circuit_state{state="open",upstream="local"}'), 0);
    moved("nexus_audit_records_written_total");
    assert.ok(after.has("nexus_audit_records_buffered"));
    assert.equal(after.get("nexus_audit_records_dropped_total"), 0);
    assert.ok(after.has("nexus_credentials_rotation_overdue"));
    assert.equal(after.get("nexus_tool_calls_in_flight"), 0, "nothing in flight after");
    assert.ok((after.get("process_resident_memory_bytes") ?? 0) > 1_000_000);
    assert.ok((after.get("nexus_heap_used_bytes") ?? 0) > 0);
  } finally {
    await idp.close();
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
});
