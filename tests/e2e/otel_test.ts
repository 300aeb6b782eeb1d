/**
 * OpenTelemetry end to end: a real gateway subprocess (started the way `deno task start` starts
 * it, with its computed permissions) runs with Deno's built-in OTel and exports to an OTLP/HTTP
 * receiver in this test (http/json). One traced `tools/call` must arrive as a request span whose
 * parent is the client's span, stage and backend spans below it, an HTTP client span naming only
 * host and status, and nothing anywhere in the export that holds an argument or the secret.
 */

import assert from "node:assert/strict";
import { generateMasterKey } from "../../lib/credentials/mod.ts";
import { Client } from "@modelcontextprotocol/client";
import { gatewayStdioTransport } from "../_support/gateway_stdio.ts";
import { runNexus } from "../_support/cli.ts";
import { startMcpUpstream } from "../_support/mcp_upstream.ts";
import {
  createGatewayToolsDir,
  rpcBody,
  rpcHeaders,
  startGateway,
  waitUntil,
} from "../_support/gateway.ts";

const TRACE_ID = "5c1e0b7a9d2f4e6a8b0c1d2e3f405162";
const CLIENT_SPAN = "a1b2c3d4e5f60718";
const TRACEPARENT = `00-${TRACE_ID}-${CLIENT_SPAN}-01`;
const SECRET = "sek-otel-7f3a9c2b";
const PATH_ARG = "argpath-5e1d77";
const QUERY_ARG = "argquery-91c2aa";
const MODERN = "2026-07-28";

interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  links: Array<{ traceId: string; spanId: string }>;
}

/** An OTLP/HTTP JSON receiver: keeps every raw body and the spans it decoded. */
function startReceiver() {
  const bodies: string[] = [];
  const spans: ExportedSpan[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const text = await request.text();
    bodies.push(text);
    if (new URL(request.url).pathname === "/v1/traces") spans.push(...decodeSpans(text));
    return Response.json({});
  });
  return { url: `http://127.0.0.1:${server.addr.port}`, bodies, spans, server };
}

function decodeSpans(text: string): ExportedSpan[] {
  const body = JSON.parse(text) as {
    resourceSpans?: Array<{ scopeSpans: Array<{ spans: Array<Record<string, unknown>> }> }>;
  };
  return (body.resourceSpans ?? []).flatMap((resource) =>
    resource.scopeSpans.flatMap((scope) =>
      scope.spans.map((span) => ({
        ...(span as unknown as ExportedSpan),
        attributes: Object.fromEntries(
          (span.attributes as Array<{ key: string; value: Record<string, unknown> }>).map((
            attribute,
          ) => [attribute.key, scalar(Object.values(attribute.value)[0])]),
        ),
      }))
    )
  );
}

/** OTLP JSON encodes 64-bit integers as strings or numbers; compare them as strings. */
function scalar(value: unknown): unknown {
  return typeof value === "number" ? String(value) : value;
}

async function postCall(mcpUrl: string, name: string, args: Record<string, unknown>) {
  const params = { name, arguments: args };
  const response = await fetch(mcpUrl, {
    method: "POST",
    headers: { ...rpcHeaders(MODERN, { method: "tools/call", params }), traceparent: TRACEPARENT },
    body: JSON.stringify(rpcBody(MODERN, { id: 7, method: "tools/call", params })),
  });
  return { status: response.status, text: await response.text() };
}

Deno.test("a traced tools/call exports its span tree and no argument or secret", async () => {
  const receiver = startReceiver();
  const backendTraceparents: Array<string | null> = [];
  const backend = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    backendTraceparents.push(request.headers.get("traceparent"));
    const ok = new URL(request.url).searchParams.get("api_key") === SECRET;
    return ok ? Response.json({ found: true }) : new Response("no", { status: 401 });
  });
  const dataDir = await Deno.makeTempDir({ prefix: "nexus-e2e-otel-" });
  await using upstream = startMcpUpstream();
  try {
    const env = { NEXUS_DATA_DIR: dataDir, NEXUS_MASTER_KEY: generateMasterKey() };
    const stored = await runNexus(
      ["credentials", "set", "otel-query", "--kind", "api_key", "--query", "api_key"],
      { env, stdin: SECRET },
    );
    assert.equal(stored.code, 0, stored.stderr);
    await using tools = await createGatewayToolsDir({
      "otel.yaml": `tools:
  - name: otel_lookup
    description: Looks an item up on the loopback backend.
    auth: otel-query
    input:
      type: object
      properties: { id: { type: string }, q: { type: string } }
      required: [id, q]
    http:
      url: "http://127.0.0.1:${backend.addr.port}/items/{id}"
      query: { q: "{q}" }
upstreams:
  - name: remote
    url: ${upstream.url}
    start: lazy
`,
    });
    await using gateway = await startGateway({
      toolsDir: tools.dir,
      viaStartTask: true,
      env: {
        ...env,
        ...otelEnv(receiver.url),
        OTEL_SERVICE_NAME: "nexus-otel-e2e",
      },
    });
    const ok = await postCall(gateway.mcpUrl, "otel_lookup", { id: PATH_ARG, q: QUERY_ARG });
    assert.equal(ok.status, 200, ok.text);
    assert.ok(ok.text.includes('"found":true'), ok.text);
    const missing = await postCall(gateway.mcpUrl, "no_such_tool", { id: PATH_ARG });
    assert.equal(missing.status, 200, missing.text);
    const federated = await postCall(gateway.mcpUrl, "remote_echo", { text: QUERY_ARG });
    assert.equal(federated.status, 200, federated.text);

    const named = (name: string) => receiver.spans.filter((span) => span.name === name);
    const expected = [
      "tools/call otel_lookup",
      "tools/call no_such_tool",
      "nexus.admission",
      "nexus.cache.lookahead",
      "nexus.limit",
      "nexus.cache",
      "nexus.limit.backend_quota",
      "nexus.credential",
      "nexus.backend",
      "HTTP GET",
    ];
    expected.push("tools/call remote_echo", "HTTP POST");
    const arrived = await waitUntil(
      () => expected.every((name) => named(name).length > 0),
      20_000,
    );
    assert.ok(
      arrived,
      `spans missing: ${expected.filter((name) => named(name).length === 0)}; got ${
        receiver.spans.map((span) => span.name)
      }`,
    );

    // The request span continues the client's trace, with the client's span as parent.
    const request = named("tools/call otel_lookup")[0]!;
    assert.equal(request.traceId, TRACE_ID);
    assert.equal(request.parentSpanId, CLIENT_SPAN);
    assert.equal(request.kind, 2, "SERVER");
    assert.equal(request.attributes["mcp.method.name"], "tools/call");
    assert.equal(request.attributes["gen_ai.tool.name"], "otel_lookup");
    assert.equal(request.attributes["nexus.mcp.era"], "modern");
    assert.equal(request.attributes["jsonrpc.request.id"], "7");
    assert.equal(request.attributes["nexus.outcome"], "ok");
    assert.equal(request.attributes["nexus.credential.name"], "otel-query");
    assert.match(String(request.attributes["nexus.request_id"]), /^[0-9a-f-]{36}$/);
    // Deno's own HTTP server span (a child of the client's span too) is linked, not the parent.
    assert.equal(request.links.length, 1);
    const served = receiver.spans.find((span) => span.spanId === request.links[0]!.spanId);
    assert.ok(served, "the linked span is exported");
    assert.equal(served.kind, 2, "SERVER");
    assert.equal(served.parentSpanId, CLIENT_SPAN);

    // Every stage span is a child of this request span, in the same trace.
    const own = (name: string) => named(name).find((span) => span.parentSpanId === request.spanId);
    for (const name of expected.slice(2, 9)) {
      const span = own(name);
      assert.ok(span, `${name} is a child of the request span`);
      assert.equal(span.traceId, TRACE_ID);
    }
    assert.equal(own("nexus.cache")!.attributes["nexus.cache.hit"], false);
    assert.equal(own("nexus.credential")!.attributes["nexus.credential.name"], "otel-query");
    assert.equal(own("nexus.credential")!.attributes["nexus.credential.version"], "1");
    const backendSpan = own("nexus.backend")!;
    assert.equal(backendSpan.attributes["nexus.backend.kind"], "http");
    assert.equal(backendSpan.attributes["url.template"], "/items/{id}");
    assert.equal(backendSpan.attributes["server.address"], "127.0.0.1");
    assert.equal(backendSpan.attributes["http.response.status_code"], "200");

    // The HTTP exchange: below the backend span, host and status only, and its id is the parent
    // the backend was told.
    const http = named("HTTP GET").find((span) => span.parentSpanId === backendSpan.spanId);
    assert.ok(http, "the client span is a child of the backend span");
    assert.equal(http.kind, 3, "CLIENT");
    assert.equal(http.attributes["server.address"], "127.0.0.1");
    assert.equal(http.attributes["http.response.status_code"], "200");
    assert.deepEqual(
      Object.keys(http.attributes).filter((key) => key.startsWith("url.") && key !== "url.scheme"),
      [],
    );
    assert.deepEqual(backendTraceparents, [`00-${TRACE_ID}-${http.spanId}-01`]);

    // The unknown tool: a protocol error, its JSON-RPC code on the span.
    const code = String((JSON.parse(missing.text) as { error: { code: number } }).error.code);
    const failed = named("tools/call no_such_tool")[0]!;
    assert.equal(failed.attributes["rpc.response.status_code"], code);
    assert.equal(failed.attributes["error.type"], code);
    assert.equal(failed.attributes["nexus.outcome"], "NOT_FOUND");

    // The HTTP upstream's tools/call carries the traceparent of an exported client span below a
    // backend span naming the upstream.
    const remote = named("tools/call remote_echo")[0]!;
    const remoteBackend = named("nexus.backend").find((span) =>
      span.parentSpanId === remote.spanId
    );
    assert.equal(remoteBackend?.attributes["nexus.upstream.name"], "remote");
    const posts = named("HTTP POST").filter((span) => span.parentSpanId === remoteBackend!.spanId);
    assert.ok(posts.length > 0, "the upstream exchange is a child of the backend span");
    const sent = upstream.traceparents().map((header) => header?.split("-")[2]);
    assert.ok(
      posts.some((span) => sent.includes(span.spanId)),
      JSON.stringify(upstream.traceparents()),
    );

    // Nothing exported holds an argument value or the secret (Deno's fetch span, which records
    // the full URL, is not exported at all).
    const exported = receiver.bodies.join("\n");
    for (const value of [SECRET, PATH_ARG, QUERY_ARG, encodeURIComponent(SECRET)]) {
      assert.ok(!exported.includes(value), `exported payload contains ${value}`);
    }
    const withUrl = receiver.spans.filter((span) =>
      span.kind === 3 && "url.full" in span.attributes
    );
    assert.deepEqual(withUrl, [], "no client span records a full URL");
  } finally {
    await backend.shutdown();
    await receiver.server.shutdown();
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("over stdio a request span continues the trace in params._meta", async () => {
  const receiver = startReceiver();
  const dataDir = await Deno.makeTempDir({ prefix: "nexus-e2e-otel-stdio-" });
  const metaSpan = "0f1e2d3c4b5a6978";
  try {
    await using tools = await createGatewayToolsDir();
    const transport = gatewayStdioTransport({
      NEXUS_TOOLS_DIR: tools.dir,
      NEXUS_DATA_DIR: dataDir,
      ...otelEnv(receiver.url),
    });
    const client = new Client({ name: "nexus-e2e-otel", version: "1.0.0" });
    await client.connect(transport);
    try {
      const result = await client.callTool({
        name: "text_stats",
        arguments: { text: `${PATH_ARG} ${QUERY_ARG}` },
        _meta: { traceparent: `00-${TRACE_ID}-${metaSpan}-01` },
      });
      assert.notEqual(result.isError, true, JSON.stringify(result));
      const request = () => receiver.spans.find((span) => span.name === "tools/call text_stats");
      const backend = () => receiver.spans.find((span) => span.name === "nexus.backend");
      assert.ok(await waitUntil(() => request() !== undefined && backend() !== undefined, 20_000));
      assert.equal(request()!.traceId, TRACE_ID);
      assert.equal(request()!.parentSpanId, metaSpan, "the _meta traceparent is the parent");
      assert.deepEqual(request()!.links, [], "no HTTP span to link over stdio");
      assert.equal(request()!.attributes["nexus.outcome"], "ok");
      assert.equal(backend()!.parentSpanId, request()!.spanId);
      assert.equal(backend()!.attributes["nexus.backend.kind"], "ts");
      const exported = receiver.bodies.join("\n");
      assert.ok(!exported.includes(PATH_ARG) && !exported.includes(QUERY_ARG), "no argument");
    } finally {
      await client.close();
    }
  } finally {
    await receiver.server.shutdown();
    await Deno.remove(dataDir, { recursive: true });
  }
});

/** Deno's OpenTelemetry export of traces (only) to `endpoint` as OTLP/JSON, flushed every 100 ms. */
function otelEnv(endpoint: string): Record<string, string> {
  return {
    OTEL_DENO: "true",
    OTEL_TRACES_SAMPLER: "parentbased_always_on",
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
    OTEL_DENO_CONSOLE: "ignore",
    OTEL_DENO_METRICS: "false",
    OTEL_BSP_SCHEDULE_DELAY: "100",
  };
}
