/**
 * `/metrics`: the Prometheus text format 0.0.4 (families, histograms, escaping) and the admin
 * authentication it shares with `/admin`, through the Hono app (`app.request`) with real API keys
 * in the embedded store.
 */

import assert from "node:assert/strict";
import {
  createApiKeyVerifier,
  createAuthenticator,
  createPolicy,
  issueApiKey,
} from "../../lib/auth/mod.ts";
import { GatewayError } from "../../lib/errors.ts";
import {
  createApp,
  createHttpAuth,
  createMetricsApp,
  createTrustedOrigin,
} from "../../lib/http/mod.ts";
import { type ApiErrorBody } from "../../lib/http/responses.ts";
import { type MetricFamily, renderMetrics } from "../../lib/metrics/mod.ts";
import { escapeLabelValue } from "../../lib/metrics/render.ts";
import { silentLogger } from "../../lib/log.ts";
import { standInMcp } from "../_support/mcp_stand_in.ts";

import { openTestStore } from "../store/_stores.ts";

const FAMILIES: MetricFamily[] = [
  {
    name: "nexus_tool_calls_total",
    help: "Finished calls.",
    type: "counter",
    samples: [
      { labels: { tool: "demo_echo", outcome: "ok" }, value: 3 },
      { labels: { tool: "(unknown)", outcome: "NOT_FOUND" }, value: 1 },
    ],
  },
  { name: "nexus_registry_tools", help: "Tools.", type: "gauge", samples: [{ value: 5 }] },
  {
    name: "nexus_tool_call_duration_seconds",
    help: "Duration.",
    type: "histogram",
    samples: [{
      labels: { tool: "demo_echo" },
      buckets: [{ le: 0.1, count: 2 }, { le: 1, count: 3 }],
      sum: 1.25,
      count: 4,
    }],
  },
];

Deno.test("renderMetrics() writes HELP, TYPE and one line per sample, histograms up to +Inf", () => {
  assert.equal(
    renderMetrics(FAMILIES),
    [
      "# HELP nexus_tool_calls_total Finished calls.",
      "# TYPE nexus_tool_calls_total counter",
      'nexus_tool_calls_total{tool="demo_echo",outcome="ok"} 3',
      'nexus_tool_calls_total{tool="(unknown)",outcome="NOT_FOUND"} 1',
      "# HELP nexus_registry_tools Tools.",
      "# TYPE nexus_registry_tools gauge",
      "nexus_registry_tools 5",
      "# HELP nexus_tool_call_duration_seconds Duration.",
      "# TYPE nexus_tool_call_duration_seconds histogram",
      'nexus_tool_call_duration_seconds_bucket{tool="demo_echo",le="0.1"} 2',
      'nexus_tool_call_duration_seconds_bucket{tool="demo_echo",le="1"} 3',
      'nexus_tool_call_duration_seconds_bucket{tool="demo_echo",le="+Inf"} 4',
      'nexus_tool_call_duration_seconds_sum{tool="demo_echo"} 1.25',
      'nexus_tool_call_duration_seconds_count{tool="demo_echo"} 4',
      "",
    ].join("\n"),
  );
});

Deno.test("renderMetrics() writes a family without samples and special float values", () => {
  const text = renderMetrics([
    { name: "a_total", help: "None yet.", type: "counter", samples: [] },
    {
      name: "b",
      help: "Odd values.",
      type: "gauge",
      samples: [
        { labels: { k: "inf" }, value: Infinity },
        { labels: { k: "-inf" }, value: -Infinity },
        { labels: { k: "nan" }, value: NaN },
        { labels: {}, value: 0.5 },
      ],
    },
  ]);
  assert.equal(
    text,
    "# HELP a_total None yet.\n# TYPE a_total counter\n# HELP b Odd values.\n# TYPE b gauge\n" +
      'b{k="inf"} +Inf\nb{k="-inf"} -Inf\nb{k="nan"} NaN\nb 0.5\n',
  );
  assert.equal(renderMetrics([]), "");
});

Deno.test("label values escape backslash, double quote and line feed; help escapes \\ and \\n", () => {
  assert.equal(escapeLabelValue('a\\b"c\nd'), 'a\\\\b\\"c\\nd');
  const text = renderMetrics([{
    name: "x",
    help: 'Line one\nback\\slash "quoted"',
    type: "gauge",
    samples: [{ labels: { v: 'say "hi"\\\n' }, value: 1 }],
  }]);
  const lines = text.split("\n");
  assert.equal(lines[0], '# HELP x Line one\\nback\\\\slash "quoted"');
  assert.equal(lines[2], 'x{v="say \\"hi\\"\\\\\\n"} 1');
  assert.equal(lines.length, 4, "no raw line feed leaks into the output");
});

Deno.test("renderMetrics() refuses invalid metric and label names as INTERNAL", () => {
  const bad: MetricFamily[][] = [
    [{ name: "nexus-calls", help: "", type: "counter", samples: [] }],
    [{ name: "1abc", help: "", type: "counter", samples: [] }],
    [{ name: "ok", help: "", type: "gauge", samples: [{ labels: { "a-b": "x" }, value: 1 }] }],
    [{ name: "ok", help: "", type: "gauge", samples: [{ labels: { __name__: "x" }, value: 1 }] }],
  ];
  for (const families of bad) {
    assert.throws(
      () => renderMetrics(families),
      (error) => error instanceof GatewayError && error.code === "INTERNAL",
    );
  }
});

async function setup(options: { anonymousAllowed: boolean; collect?: () => MetricFamily[] }) {
  const store = await openTestStore("sqlite");
  const keyRepo = store.apiKeys;
  const authenticator = createAuthenticator({
    apiKeys: createApiKeyVerifier(keyRepo),
    anonymousAllowed: options.anonymousAllowed,
  });
  const policy = createPolicy({});
  const guard = { allowedOrigins: [], allowedHosts: [], loopback: true };
  const auth = createHttpAuth({
    authenticator,
    policy: () => policy,
    logger: silentLogger,
    trustedOrigin: createTrustedOrigin(guard),
  });
  const app = createApp({
    mcp: standInMcp(),
    logger: silentLogger,
    guard,
    maxBodyBytes: 1 << 20,
    demoApi: false,
    ready: () => true,
    auth,
    metrics: createMetricsApp({
      auth,
      logger: silentLogger,
      collect: options.collect ?? (() => FAMILIES),
    }),
  });
  const scrape = (token?: string, headers: Record<string, string> = {}) =>
    app.request("http://localhost/metrics", {
      headers: {
        host: "localhost",
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        ...headers,
      },
    });
  return { store, keyRepo, scrape, [Symbol.asyncDispose]: () => store[Symbol.asyncDispose]() };
}

Deno.test("/metrics is never anonymous: with no admin key it answers 401 naming the command", async () => {
  await using env = await setup({ anonymousAllowed: true });
  const response = await env.scrape();
  assert.equal(response.status, 401);
  const body = await response.json() as ApiErrorBody;
  assert.equal(body.error.code, "UNAUTHENTICATED");
  assert.match(body.error.message, /nexus clients create NAME --admin/);
  assert.match(body.error.requestId, /^[0-9a-f-]{36}$/);
});

Deno.test("/metrics needs an admin key: no token and client keys get 401", async () => {
  await using env = await setup({ anonymousAllowed: true });
  const { key: adminKey } = await issueApiKey(env.keyRepo, "ops", { scope: "admin" });
  const { key: clientKey } = await issueApiKey(env.keyRepo, "agent");
  const missing = await env.scrape();
  assert.equal(missing.status, 401);
  assert.match(missing.headers.get("www-authenticate") ?? "", /^Bearer resource_metadata=/);
  await missing.body?.cancel();
  const client = await env.scrape(clientKey.reveal());
  assert.equal(client.status, 401, "a client key is no admin credential");
  await client.body?.cancel();
  const wrong = await env.scrape("nxk_0000000000000000_not-a-key");
  assert.equal(wrong.status, 401);
  await wrong.body?.cancel();
  const admin = await env.scrape(adminKey.reveal());
  assert.equal(admin.status, 200);
  assert.match(admin.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4\b/);
  assert.equal(admin.headers.get("cache-control"), "no-store");
  assert.equal(await admin.text(), renderMetrics(FAMILIES));
});

Deno.test("/metrics refuses a foreign Origin and a foreign Host (DNS rebinding), key or not", async () => {
  await using env = await setup({ anonymousAllowed: true });
  const { key } = await issueApiKey(env.keyRepo, "ops", { scope: "admin" });
  const attempts: Record<string, string>[] = [
    { origin: "http://evil.example" },
    { host: "evil.example" },
    { host: "evil.example", origin: "http://evil.example" },
  ];
  for (const headers of attempts) {
    const response = await env.scrape(key.reveal(), headers);
    assert.equal(response.status, 403, JSON.stringify(headers));
    const body = await response.json() as ApiErrorBody;
    assert.equal(body.error.code, "ORIGIN_FORBIDDEN");
  }
});

Deno.test("/metrics refuses anonymous scrapes off loopback even without any key", async () => {
  await using env = await setup({ anonymousAllowed: false });
  const response = await env.scrape();
  assert.equal(response.status, 401);
  await response.body?.cancel();
});

Deno.test("a failing collect() answers 500 in the admin error shape, without its message", async () => {
  await using env = await setup({
    anonymousAllowed: true,
    collect: () => {
      throw new Error("store password=hunter2 unreachable");
    },
  });
  const { key } = await issueApiKey(env.keyRepo, "ops", { scope: "admin" });
  const response = await env.scrape(key.reveal());
  assert.equal(response.status, 500);
  const text = await response.text();
  assert.doesNotMatch(text, /hunter2/);
  const body = JSON.parse(text) as ApiErrorBody;
  assert.equal(body.error.code, "INTERNAL");
  assert.match(body.error.message, new RegExp(body.error.requestId));
});
