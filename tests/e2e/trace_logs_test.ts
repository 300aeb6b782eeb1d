/**
 * Request and trace ids on a real gateway subprocess: every log line is JSON; lines logged while
 * a request is served carry its `requestId` and `traceId` (the client's W3C trace when it sends a
 * `traceparent`, else a new one); the trace reaches an HTTP backend and an HTTP upstream MCP
 * server as a `traceparent` naming the gateway's own span as parent.
 */

import assert from "node:assert/strict";
import { createGatewayToolsDir, rpcBody, rpcHeaders, startGateway } from "../_support/gateway.ts";
import { startMcpUpstream } from "../_support/mcp_upstream.ts";

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const CLIENT_SPAN = "00f067aa0ba902b7";
const TRACEPARENT = `00-${TRACE_ID}-${CLIENT_SPAN}-01`;
const W3C = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

function callBody(name: string, args: Record<string, unknown>, id: number) {
  return JSON.stringify(rpcBody("2026-07-28", {
    id,
    method: "tools/call",
    params: { name, arguments: args },
  }));
}

Deno.test("log lines carry request and trace ids; traceparent reaches HTTP backends and upstreams", async () => {
  const seen: Array<string | null> = [];
  const backend = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    seen.push(request.headers.get("traceparent"));
    return Response.json({ ok: true });
  });
  await using upstream = startMcpUpstream();
  try {
    await using tools = await createGatewayToolsDir({
      "traced.yaml": `tools:
  - name: traced_backend
    description: Calls the loopback backend.
    http: { url: "http://127.0.0.1:${backend.addr.port}/thing" }
upstreams:
  - name: remote
    url: ${upstream.url}
    start: lazy
`,
    });
    await using gateway = await startGateway({
      toolsDir: tools.dir,
      env: { NEXUS_LOG_LEVEL: "debug" },
    });
    const call = async (name: string, args: Record<string, unknown>, traceparent?: string) => {
      const response = await fetch(gateway.mcpUrl, {
        method: "POST",
        headers: {
          ...rpcHeaders("2026-07-28", { method: "tools/call", params: { name } }),
          ...(traceparent === undefined ? {} : { traceparent }),
        },
        body: callBody(name, args, 1),
      });
      const text = await response.text();
      assert.equal(response.status, 200, text);
      assert.ok(!text.includes('"isError":true'), text);
    };
    await call("traced_backend", {}, TRACEPARENT);
    await call("remote_echo", { text: "hi" }, TRACEPARENT);
    await call("traced_backend", {});

    // The backend: the client's trace, the gateway's span as parent, the client's flags.
    assert.equal(seen.length, 2);
    const [traced, untraced] = seen.map((header) => W3C.exec(header ?? ""));
    assert.ok(traced && untraced, JSON.stringify(seen));
    assert.equal(traced[1], TRACE_ID);
    assert.notEqual(traced[2], CLIENT_SPAN, "the parent is the gateway's span, not the client's");
    assert.equal(traced[3], "01");
    assert.notEqual(untraced[1], TRACE_ID, "a request without traceparent starts its own trace");

    // The upstream: its tools/call POST carries the same trace.
    const upstreamTraces = upstream.traceparents().map((header) => W3C.exec(header ?? "")?.[1]);
    assert.ok(upstreamTraces.includes(TRACE_ID), JSON.stringify(upstream.traceparents()));

    // Every line is JSON; lines logged during the traced requests carry their ids.
    const records = gateway.stderrLines().map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        assert.fail(`not a JSON log line: ${line}`);
      }
    });
    const inTrace = records.filter((record) => record.traceId === TRACE_ID);
    assert.ok(inTrace.length > 0, records.map((r) => JSON.stringify(r)).join("\n"));
    for (const record of inTrace) {
      assert.match(String(record.requestId), /^[0-9a-f-]{36}$/, JSON.stringify(record));
    }
    // The backend call of each request is logged with that request's ids: the traced one with
    // the client's trace, the other with the trace it sent onwards.
    const backendLines = records.filter((r) =>
      r.msg === "Upstream call" && r.tool === "traced_backend"
    );
    assert.deepEqual(backendLines.map((r) => r.traceId), [TRACE_ID, untraced[1]]);
    assert.notEqual(backendLines[0]!.requestId, backendLines[1]!.requestId);
  } finally {
    await backend.shutdown();
  }
});
