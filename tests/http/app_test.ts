/**
 * `POST /mcp` skips Hono's router (lib/http/app.ts): the bypass must answer as the routed path
 * did: inside a request context, the MCP service's answer as is, a GatewayError as an edge error,
 * anything else as the logged 500; every other request is still routed.
 */

import assert from "node:assert/strict";
import { GatewayError } from "../../lib/errors.ts";
import { createApp } from "../../lib/http/app.ts";
import { currentRequestContext, silentLogger } from "../../lib/log.ts";
import type { McpService } from "../../lib/mcp/mod.ts";
import { standInMcp } from "../_support/mcp_stand_in.ts";

function appWith(fetch: McpService["fetch"]) {
  return createApp({
    mcp: standInMcp(fetch),
    logger: silentLogger,
    guard: { allowedOrigins: [], allowedHosts: [], loopback: true },
    maxBodyBytes: 1 << 20,
    demoApi: false,
    ready: () => true,
  });
}

const CALL = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "x" } });

function post(path: string): Request {
  return new Request(`http://localhost${path}`, {
    method: "POST",
    headers: { host: "localhost", "content-type": "application/json", accept: "application/json" },
    body: CALL,
  });
}

Deno.test("POST /mcp reaches the MCP service inside a request context, with its parsed body", async () => {
  const seen: { requestId?: string; body?: unknown }[] = [];
  const app = appWith((_request, options) => {
    seen.push({ requestId: currentRequestContext()?.requestId, body: options.parsedBody });
    return Promise.resolve(Response.json({ ok: true }));
  });
  for (const path of ["/mcp", "/mcp?probe=1"]) {
    const response = await app.fetch(post(path));
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { ok: true });
  }
  assert.equal(seen.length, 2);
  for (const call of seen) {
    assert.match(call.requestId ?? "", /^[0-9a-f-]{36}$/);
    assert.deepEqual(call.body, JSON.parse(CALL));
  }
  assert.notEqual(seen[0]!.requestId, seen[1]!.requestId);
});

Deno.test("POST /mcp: a GatewayError is the edge error, any other error the logged 500", async () => {
  const refused = await appWith(() => Promise.reject(new GatewayError("NOT_FOUND", "gone")))
    .fetch(post("/mcp"));
  assert.equal(refused.status, 404);
  const broken = await appWith(() => Promise.reject(new Error("boom"))).fetch(post("/mcp"));
  assert.equal(broken.status, 500);
  assert.equal(broken.headers.get("content-type"), "application/json");
  const body = await broken.json();
  assert.match(body.error, /^Internal error: see gateway log for request [0-9a-f-]{36}$/);
});

Deno.test("other paths and methods are still routed by Hono", async () => {
  const app = appWith(() => Promise.resolve(new Response("mcp")));
  const health = await app.fetch(
    new Request("http://localhost/healthz", { headers: { host: "localhost" } }),
  );
  assert.equal(health.status, 200);
  assert.equal((await health.json()).status, "ok");
  const unknown = await app.fetch(post("/mcpx"));
  assert.equal(unknown.status, 404);
  await unknown.body?.cancel();
  const server = await app.fetch(post("/mcp/other"));
  // Why 404: without authentication only the default server exists.
  assert.equal(server.status, 404);
  await server.body?.cancel();
});
