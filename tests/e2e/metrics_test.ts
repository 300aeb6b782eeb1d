/**
 * `/metrics` on the real gateway: a call made with a real SDK client shows up in the counters,
 * and every line of the scrape parses as the Prometheus text format 0.0.4.
 */

import assert from "node:assert/strict";
import { createClientKey } from "../_support/auth_fixtures.ts";
import { connect, createGatewayToolsDir, startGateway } from "../_support/gateway.ts";

const NAME = String.raw`[a-zA-Z_:][a-zA-Z0-9_:]*`;
const LABEL = String.raw`[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"`;
const VALUE = String.raw`[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|[-+]Inf|NaN`;
const SAMPLE_LINE = new RegExp(
  String.raw`^(${NAME})(\{(?:${LABEL}(?:,${LABEL})*)?\})? (${VALUE})(?: -?\d+)?$`,
);
const HELP_LINE = new RegExp(String.raw`^# HELP (${NAME}) (?:[^\\\n]|\\[\\n])*$`);
const TYPE_LINE = new RegExp(
  String.raw`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`,
);

/** Parses a scrape line by line; fails on any line outside the grammar or any stray sample. */
function parseExposition(text: string): Map<string, number> {
  assert.ok(text.endsWith("\n"), "the exposition ends with a line feed");
  const types = new Map<string, string>();
  const samples = new Map<string, number>();
  for (const [index, line] of text.slice(0, -1).split("\n").entries()) {
    const where = `line ${index + 1}: ${JSON.stringify(line)}`;
    if (line.startsWith("# HELP ")) {
      assert.match(line, HELP_LINE, where);
      continue;
    }
    const typed = TYPE_LINE.exec(line);
    if (typed) {
      assert.ok(!types.has(typed[1]!), `${where}: family declared twice`);
      types.set(typed[1]!, typed[2]!);
      continue;
    }
    const sample = SAMPLE_LINE.exec(line);
    assert.ok(sample, `${where}: not a sample line`);
    const name = sample[1]!;
    const base = name.replace(/_(bucket|sum|count)$/, "");
    const declared = types.get(name) ?? (types.get(base) === "histogram" ? "histogram" : undefined);
    assert.ok(declared, `${where}: sample before its # TYPE line`);
    const value = sample[3]!;
    samples.set(
      `${name}${sample[2] ?? ""}`,
      value.endsWith("Inf") || value === "NaN" ? NaN : Number(value),
    );
  }
  return samples;
}

Deno.test("a call through the real gateway is counted on /metrics, and the scrape parses", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "nexus-e2e-metrics-" });
  const env = { NEXUS_DATA_DIR: dataDir };
  const adminKey = await createClientKey("prometheus", env, ["--admin"]);
  await using tools = await createGatewayToolsDir();
  await using gateway = await startGateway({ toolsDir: tools.dir, env });
  let toolCount: number;
  {
    await using client = await connect("2026-07-28", gateway.mcpUrl);
    toolCount = (await client.listTools()).tools.length;
    const result = await client.callTool({ name: "text_stats", arguments: { text: "one two" } });
    assert.notEqual(result.isError, true);
  }
  const anonymous = await fetch(`${gateway.url}/metrics`);
  assert.equal(anonymous.status, 401, "never anonymous, loopback or not");
  await anonymous.body?.cancel();
  const response = await fetch(`${gateway.url}/metrics`, {
    headers: { authorization: `Bearer ${adminKey}` },
  });
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4\b/);
  const samples = parseExposition(await response.text());
  const series = 'tool="text_stats",backend="ts",outcome="ok"';
  assert.equal(samples.get(`nexus_tool_calls_total{${series}}`), 1);
  assert.equal(samples.get(`nexus_tool_call_duration_seconds_count{${series}}`), 1);
  assert.equal(samples.get(`nexus_tool_call_duration_seconds_bucket{${series},le="+Inf"}`), 1);
  assert.equal(samples.get("nexus_registry_tools"), toolCount);
  assert.equal(samples.get("nexus_credentials_rotation_overdue"), 0);
  assert.equal(samples.get("nexus_audit_records_dropped_total"), 0);
  assert.equal(samples.get("nexus_cache_hits_total"), 0);
  assert.equal(samples.get("nexus_rate_limit_denied_total"), 0);
  assert.ok([...samples.keys()].some((key) => key.startsWith('nexus_build_info{version="')));
  assert.equal(samples.get("nexus_anonymous_exposed"), 0, "loopback: never exposed");
  await gateway.stop();
  await Deno.remove(dataDir, { recursive: true });
});
