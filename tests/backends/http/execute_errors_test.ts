import assert from "node:assert/strict";
import { executeTool } from "../../../lib/backends/mod.ts";
import { startUpstream } from "../../_support/upstream_server.ts";
import { executeOptions, httpTool, rejectsWith } from "../_tools.ts";

Deno.test("executeTool() turns an upstream 500 into UPSTREAM_ERROR with status and trimmed body", async () => {
  const upstream = startUpstream();
  try {
    const body = `  <html>\n  <h1>Oops</h1>\n${"detail ".repeat(200)}</html>`;
    const tool = httpTool({
      url: `${upstream.url}/respond?status=500&body=${encodeURIComponent(body)}`,
    });
    const error = await rejectsWith(
      executeTool(tool, {}, executeOptions([upstream.origin])),
      "UPSTREAM_ERROR",
      /^Upstream returned HTTP 500 Internal Server Error: <html> <h1>Oops<\/h1> detail detail /,
    );
    assert.ok(error.message.length < 600, `message is ${error.message.length} chars`);
    assert.ok(error.message.endsWith("…"));
    assert.deepEqual(error.data, { status: 500 });
  } finally {
    await upstream.close();
  }
});

Deno.test("executeTool() turns an upstream 404 into UPSTREAM_ERROR naming the status", async () => {
  const upstream = startUpstream();
  try {
    const tool = httpTool({ url: `${upstream.url}/respond?status=404&body=no+such+issue` });
    const error = await rejectsWith(
      executeTool(tool, {}, executeOptions([upstream.origin])),
      "UPSTREAM_ERROR",
      "Upstream returned HTTP 404 Not Found: no such issue",
    );
    assert.deepEqual(error.data, { status: 404 });
  } finally {
    await upstream.close();
  }
});

Deno.test("executeTool() passes an upstream Retry-After on in the error data", async () => {
  const upstream = startUpstream();
  try {
    const tool = httpTool({ url: `${upstream.url}/respond?status=429&retryAfter=30` });
    const error = await rejectsWith(
      executeTool(tool, {}, executeOptions([upstream.origin])),
      "UPSTREAM_ERROR",
      "Upstream returned HTTP 429 Too Many Requests",
    );
    assert.deepEqual(error.data, { status: 429, retryAfter: "30", retryAfterMs: 30_000 });
  } finally {
    await upstream.close();
  }
});

Deno.test("executeTool() gives up with UPSTREAM_TIMEOUT at the tool's timeoutMs", async () => {
  const upstream = startUpstream();
  try {
    const tool = httpTool({ url: `${upstream.url}/sleep/2000?token=secret`, timeoutMs: 200 });
    const started = performance.now();
    await rejectsWith(
      executeTool(tool, {}, executeOptions([upstream.origin])),
      "UPSTREAM_TIMEOUT",
      "Upstream did not answer within 200 ms: GET /sleep/2000",
    );
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 190 && elapsed < 800, `took ${elapsed} ms`);
  } finally {
    await upstream.close();
  }
});

Deno.test("executeTool() applies the timeout to reading the body too", async () => {
  const upstream = startUpstream();
  try {
    const tool = httpTool({ url: `${upstream.url}/slow-body/2000`, timeoutMs: 200 });
    const started = performance.now();
    await rejectsWith(
      executeTool(tool, {}, executeOptions([upstream.origin])),
      "UPSTREAM_TIMEOUT",
    );
    assert.ok(performance.now() - started < 800);
  } finally {
    await upstream.close();
  }
});

Deno.test("executeTool() answers CANCELLED when the client aborts", async () => {
  const upstream = startUpstream();
  try {
    const tool = httpTool({ url: `${upstream.url}/sleep/2000`, timeoutMs: 5000 });
    const client = new AbortController();
    const call = executeTool(
      tool,
      {},
      executeOptions([upstream.origin], { signal: client.signal }),
    );
    setTimeout(() => client.abort(), 50);
    await rejectsWith(call, "CANCELLED", "Call cancelled by the client");
  } finally {
    await upstream.close();
  }
});

Deno.test("executeTool() answers CANCELLED without calling out when already aborted", async () => {
  const upstream = startUpstream();
  try {
    const tool = httpTool({ url: `${upstream.url}/echo` });
    const options = executeOptions([upstream.origin], { signal: AbortSignal.abort() });
    await rejectsWith(executeTool(tool, {}, options), "CANCELLED");
    assert.equal(upstream.hits(), 0);
  } finally {
    await upstream.close();
  }
});

Deno.test("executeTool() reports a refused connection as UPSTREAM_UNAVAILABLE without the query", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const origin = `http://127.0.0.1:${listener.addr.port}`;
  listener.close();
  const tool = httpTool({ url: `${origin}/x?api_key=secret` });
  await rejectsWith(
    executeTool(tool, {}, executeOptions([origin])),
    "UPSTREAM_UNAVAILABLE",
    "Cannot reach upstream: GET /x: connection refused",
  );
});

Deno.test("executeTool() reports a DNS failure as UPSTREAM_UNAVAILABLE", async () => {
  const origin = "https://jira.internal.example";
  const failingFetch: typeof fetch = () =>
    Promise.reject(
      new TypeError("fetch failed", {
        cause: new Error(
          `error sending request for url (${origin}/x?token=t): client error (Connect): ` +
            "dns error: failed to lookup address information: Name or service not known",
        ),
      }),
    );
  const tool = httpTool({ url: `${origin}/x?token=t` });
  const error = await rejectsWith(
    executeTool(tool, {}, executeOptions([origin], { fetch: failingFetch })),
    "UPSTREAM_UNAVAILABLE",
    "Cannot reach upstream: GET /x: DNS lookup failed",
  );
  assert.equal(error.stack?.includes("token=t"), false);
});

Deno.test("executeTool() denies egress to an origin the registry did not declare", async () => {
  const upstream = startUpstream();
  try {
    const tool = httpTool({ url: `${upstream.url}/echo` });
    const error = await rejectsWith(
      executeTool(tool, {}, executeOptions(["https://api.example.com"])),
      "EGRESS_DENIED",
      `Egress denied: ${upstream.origin} is not in the gateway's egress allowlist`,
    );
    assert.deepEqual(error.data, { origin: upstream.origin });
    assert.equal(upstream.hits(), 0);
  } finally {
    await upstream.close();
  }
});
