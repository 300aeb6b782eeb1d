/**
 * The compose nginx config (deploy/nginx/nginx.conf) run by the real nginx on loopback: round
 * robin with no stickiness, SSE passed through unbuffered, a refused connection retried on the
 * other instance, a sent POST never resent; and two real gateways serving MCP calls behind it.
 */

import assert from "node:assert/strict";
import { connect, createGatewayToolsDir, startGateway } from "../_support/gateway.ts";
import { startHttpStub } from "./_http_stub.ts";
import { startNginx } from "./_nginx.ts";

Deno.test("nginx spreads one session's requests over both instances", async () => {
  await using a = startHttpStub("a");
  await using b = startHttpStub("b");
  await using nginx = await startNginx([a.port, b.port]);
  const answers: string[] = [];
  for (let i = 0; i < 12; i++) {
    const response = await fetch(`${nginx.url}/`, {
      headers: { "mcp-session-id": "same-session", cookie: "route=a" },
    });
    answers.push(await response.text());
  }
  const counts = {
    a: answers.filter((x) => x === "a").length,
    b: answers.filter((x) => x === "b").length,
  };
  assert.equal(counts.a + counts.b, 12);
  assert.ok(counts.a >= 3 && counts.b >= 3, `not balanced: ${answers.join("")}`);
});

Deno.test("nginx passes an SSE event through while the stream is still open", async () => {
  await using a = startHttpStub("a");
  await using b = startHttpStub("b");
  await using nginx = await startNginx([a.port, b.port]);
  // Why the bound: a buffering proxy would hold the first event until the stream ends, forever.
  const response = await fetch(`${nginx.url}/sse`, { signal: AbortSignal.timeout(10_000) });
  const reader = response.body!.getReader();
  const first = new TextDecoder().decode((await reader.read()).value);
  assert.match(first, /data: first/);
  a.release();
  b.release();
  let rest = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    rest += new TextDecoder().decode(value);
  }
  assert.match(rest, /data: last/);
});

Deno.test("nginx never resends a POST that was sent to an instance that then died", async () => {
  await using a = startHttpStub("a");
  await using b = startHttpStub("b");
  await using nginx = await startNginx([a.port, b.port]);
  const reset = await fetch(`${nginx.url}/reset`, { method: "POST", body: '{"call":1}' });
  await reset.body?.cancel();
  assert.equal(reset.status, 502);
  const sent = [...a.requests, ...b.requests].filter((r) => r.path === "/reset");
  assert.equal(sent.length, 1, "the POST reached an instance more than once");
});

Deno.test("nginx sends calls for a stopped instance to the other", async () => {
  await using a = startHttpStub("a");
  await using b = startHttpStub("b");
  await using nginx = await startNginx([a.port, b.port]);
  await b.close();
  for (let i = 0; i < 4; i++) {
    const response = await fetch(`${nginx.url}/`, { method: "POST", body: "{}" });
    assert.equal(response.status, 200);
    assert.equal(await response.text(), "a");
  }
});

Deno.test("two real gateways behind nginx serve 2026-07-28 calls from both instances", async () => {
  await using tools = await createGatewayToolsDir();
  const env = { NEXUS_HOT_RELOAD: "false" };
  await using one = await startGateway({ toolsDir: tools.dir, env });
  await using two = await startGateway({ toolsDir: tools.dir, env });
  const port = (url: string) => Number(new URL(url).port);
  await using nginx = await startNginx([port(one.url), port(two.url)]);
  await using client = await connect("2026-07-28", `${nginx.url}/mcp`);
  for (let i = 0; i < 6; i++) {
    const result = await client.callTool({ name: "text_stats", arguments: { text: `call ${i}` } });
    assert.notEqual(result.isError, true, JSON.stringify(result));
  }
  const ready = await fetch(`${nginx.url}/readyz`);
  assert.equal(ready.status, 200, await ready.text());
  const upstreams = new Set(await nginx.upstreams());
  assert.deepEqual([...upstreams].sort(), [new URL(one.url).host, new URL(two.url).host].sort());
});
