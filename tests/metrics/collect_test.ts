/**
 * What `nexus serve` reports on `/metrics`: call counters and durations with bounded labels, the
 * limits, cache and audit counters, and the overdue-credential gauge read at most once per ttl.
 */

import assert from "node:assert/strict";
import { anonymousPrincipal, DEFAULT_SERVER } from "../../lib/auth/mod.ts";
import type { CacheCounters } from "../../lib/cache/mod.ts";
import {
  createCallMetrics,
  createGatewayMetrics,
  type MetricFamily,
  type MetricsSources,
  renderMetrics,
} from "../../lib/metrics/mod.ts";
import { DURATION_BUCKETS_SECONDS } from "../../lib/metrics/call_metrics.ts";
import type { ErrorCode } from "../../lib/errors.ts";
import type { LimitCounters } from "../../lib/limits/mod.ts";
import { createLogger, silentLogger } from "../../lib/log.ts";
import type { CallRecord } from "../../lib/mcp/mod.ts";
import { VERSION } from "../../lib/version.ts";

function record(
  toolName: string,
  outcome: "ok" | ErrorCode,
  options: { durationMs?: number; isError?: boolean } = {},
): CallRecord {
  return {
    requestId: crypto.randomUUID(),
    caller: { principal: anonymousPrincipal("127.0.0.1"), server: DEFAULT_SERVER },
    toolName,
    args: {},
    outcome,
    isError: options.isError ?? outcome !== "ok",
    startedAt: new Date(),
    durationMs: options.durationMs ?? 1,
    facts: {},
  };
}

function family(families: MetricFamily[], name: string): MetricFamily {
  const found = families.find((f) => f.name === name);
  assert.ok(found, `no family ${name}`);
  return found;
}

Deno.test("createCallMetrics() counts by tool and outcome; unknown tool names share one series", () => {
  const calls = createCallMetrics({ isKnownTool: (name) => name === "demo_echo" });
  calls.observe(record("demo_echo", "ok"));
  calls.observe(record("demo_echo", "ok"));
  calls.observe(record("demo_echo", "ok", { isError: true }));
  calls.observe(record("demo_echo", "RATE_LIMITED"));
  for (let i = 0; i < 50; i++) calls.observe(record(`guess_${i}`, "NOT_FOUND"));
  calls.observe(record("demo_echo", "NO_SUCH_CODE" as ErrorCode));
  const counts = family(calls.families(), "nexus_tool_calls_total");
  assert.equal(counts.type, "counter");
  const none = "none";
  assert.deepEqual(counts.samples, [
    { labels: { tool: "(unknown)", backend: none, outcome: "NOT_FOUND" }, value: 50 },
    { labels: { tool: "demo_echo", backend: none, outcome: "INTERNAL" }, value: 1 },
    { labels: { tool: "demo_echo", backend: none, outcome: "RATE_LIMITED" }, value: 1 },
    { labels: { tool: "demo_echo", backend: none, outcome: "ok" }, value: 2 },
    { labels: { tool: "demo_echo", backend: none, outcome: "tool_error" }, value: 1 },
  ]);
  const errors = family(calls.families(), "nexus_tool_errors_total");
  assert.deepEqual(errors.samples, [
    { labels: { code: "INTERNAL" }, value: 1 },
    { labels: { code: "NOT_FOUND" }, value: 50 },
    { labels: { code: "RATE_LIMITED" }, value: 1 },
  ]);
});

Deno.test("createCallMetrics() labels the backend of known tools and counts calls in flight", () => {
  const calls = createCallMetrics({
    isKnownTool: (name) => name !== "guess",
    backendOf: (name) => name === "fed" ? "mcp/local" : "http",
  });
  const inFlight = () => {
    const gauge = family(calls.families(), "nexus_tool_calls_in_flight");
    return gauge.type === "histogram" ? undefined : gauge.samples[0]?.value;
  };
  calls.started();
  calls.started();
  calls.started();
  assert.equal(inFlight(), 3);
  calls.observe(record("fed", "ok"));
  calls.observe(record("web", "ok"));
  calls.observe(record("guess", "NOT_FOUND"));
  assert.equal(inFlight(), 0);
  assert.deepEqual(
    family(calls.families(), "nexus_tool_calls_total").samples.map((s) => s.labels),
    [
      { tool: "(unknown)", backend: "none", outcome: "NOT_FOUND" },
      { tool: "fed", backend: "mcp/local", outcome: "ok" },
      { tool: "web", backend: "http", outcome: "ok" },
    ],
  );
});

Deno.test("createCallMetrics() keeps cumulative duration buckets, sum and count per tool", () => {
  const calls = createCallMetrics({ isKnownTool: () => true });
  for (const ms of [2, 30, 30, 400, 60_000]) {
    calls.observe(record("slow", "ok", { durationMs: ms }));
  }
  const durations = family(calls.families(), "nexus_tool_call_duration_seconds");
  assert.equal(durations.type, "histogram");
  if (durations.type !== "histogram") return;
  const [sample] = durations.samples;
  assert.ok(sample);
  assert.deepEqual(sample.labels, { tool: "slow", backend: "none", outcome: "ok" });
  assert.deepEqual(sample.buckets.map((b) => b.le), DURATION_BUCKETS_SECONDS);
  const at = (le: number) => sample.buckets.find((b) => b.le === le)?.count;
  assert.equal(at(0.005), 1);
  assert.equal(at(0.025), 1);
  assert.equal(at(0.1), 3);
  assert.equal(at(0.25), 3);
  assert.equal(at(1), 4);
  assert.equal(at(10), 4, "60 s is above every bound: only in +Inf");
  assert.equal(sample.count, 5);
  assert.ok(Math.abs(sample.sum - 60.462) < 1e-9);
});

const LIMITS: LimitCounters = {
  allowed: 7,
  denied: 2,
  upstreamDenied: 0,
  upstreamReports: 1,
  failedOpen: 0,
  failedClosed: 3,
  fallbacks: 1,
};
const CACHE: CacheCounters = {
  hits: 4,
  misses: 5,
  coalesced: 6,
  takeovers: 0,
  stored: 5,
  tooLarge: 1,
  bypassed: 2,
};

function sources(overrides: Partial<MetricsSources> = {}): MetricsSources {
  return {
    calls: createCallMetrics({ isKnownTool: () => true }),
    limits: { counters: () => ({ limits: LIMITS, cache: CACHE }) },
    audit: {
      stats: () => ({ buffered: 12, written: 340, dropped: 9, failedWrites: 1, suppressed: 0 }),
    },
    vault: {
      list: () =>
        Promise.resolve([{ rotationOverdue: true }, { rotationOverdue: false }, {
          rotationOverdue: true,
        }]),
    },
    registry: () => ({ tools: [], version: 4 }),
    logger: silentLogger,
    ...overrides,
  };
}

Deno.test("createGatewayMetrics() reports limits, cache, audit, credentials, registry and build", async () => {
  const text = renderMetrics(await createGatewayMetrics(sources()).collect());
  const lines = new Set(text.split("\n"));
  for (
    const line of [
      "nexus_rate_limit_denied_total 2",
      "nexus_rate_limit_failed_closed_total 3",
      "nexus_rate_limit_failed_open_total 0",
      "nexus_rate_limit_fallbacks_total 1",
      "nexus_cache_hits_total 4",
      "nexus_cache_misses_total 5",
      "nexus_cache_coalesced_total 6",
      "nexus_cache_bypassed_total 2",
      "nexus_audit_records_written_total 340",
      "nexus_audit_records_dropped_total 9",
      "nexus_audit_records_buffered 12",
      "nexus_credentials_rotation_overdue 2",
      "nexus_registry_tools 0",
      "nexus_registry_version 4",
      `nexus_build_info{version="${VERSION}"} 1`,
      "# TYPE nexus_audit_records_buffered gauge",
      "# TYPE nexus_cache_hits_total counter",
    ]
  ) assert.ok(lines.has(line), `missing: ${line}\n${text}`);
  const names = [...text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]);
  assert.equal(new Set(names).size, names.length, "no family is written twice");
});

Deno.test("the overdue gauge reads the vault at most once per ttl and survives a failed read", async () => {
  let clock = 0;
  let reads = 0;
  let fail = false;
  const logged: string[] = [];
  const metrics = createGatewayMetrics(sources({
    now: () => clock,
    overdueTtlMs: 60_000,
    logger: createLogger({ sink: (line) => logged.push(line) }),
    vault: {
      list: () => {
        reads++;
        if (fail) return Promise.reject(new Error("store down"));
        return Promise.resolve(Array.from({ length: reads }, () => ({ rotationOverdue: true })));
      },
    },
  }));
  const overdue = async () => {
    const found = (await metrics.collect()).find((f) =>
      f.name === "nexus_credentials_rotation_overdue"
    );
    return found?.type === "gauge" ? found.samples[0]?.value : undefined;
  };
  assert.equal(await overdue(), 1);
  clock = 59_999;
  assert.equal(await overdue(), 1);
  assert.equal(reads, 1);
  clock = 60_000;
  assert.equal(await overdue(), 2);
  fail = true;
  clock = 120_000;
  assert.equal(await overdue(), 2, "a failed read keeps the last count");
  assert.equal(reads, 3);
  assert.ok(logged.some((line) => line.includes("Cannot count credentials")));
});

Deno.test("without one successful read the overdue gauge is left out, not reported as 0", async () => {
  const metrics = createGatewayMetrics(sources({
    vault: { list: () => Promise.reject(new Error("store down")) },
  }));
  const names = (await metrics.collect()).map((f) => f.name);
  assert.ok(!names.includes("nexus_credentials_rotation_overdue"));
  assert.ok(names.includes("nexus_registry_tools"));
});
