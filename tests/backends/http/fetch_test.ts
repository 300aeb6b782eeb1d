import assert from "node:assert/strict";
import { executeTool } from "../../../lib/backends/mod.ts";
import { describeTarget } from "../../../lib/backends/http/fetch.ts";
import { startUpstream } from "../../_support/upstream_server.ts";
import { executeOptions, httpTool, rejectsWith } from "../_tools.ts";

function redirectUrl(base: string, to: string, status = 302): string {
  return `${base}/redirect?status=${status}&to=${encodeURIComponent(to)}`;
}

Deno.test("executeTool() follows a redirect within the same origin", async () => {
  const upstream = startUpstream();
  try {
    const tool = httpTool({ url: redirectUrl(upstream.url, "/echo/moved?x=1") });
    const { result } = await executeTool(tool, {}, executeOptions([upstream.origin]));
    assert.deepEqual(result.structuredContent?.path, "/echo/moved");
    assert.equal(upstream.hits("/redirect"), 1);
    assert.equal(upstream.hits("/echo/moved"), 1);
  } finally {
    await upstream.close();
  }
});

Deno.test("executeTool() does not follow a redirect to another origin, even an allowed one", async () => {
  const upstream = startUpstream();
  const other = startUpstream();
  try {
    const tool = httpTool({
      url: redirectUrl(upstream.url, `${other.url}/echo/stolen?token=secret`),
      headers: { Authorization: "Bearer secret" },
    });
    await rejectsWith(
      executeTool(tool, {}, executeOptions([upstream.origin, other.origin])),
      "UPSTREAM_ERROR",
      `Upstream redirected to a different host: not followed: ${other.origin}/echo/stolen`,
    );
    assert.equal(other.hits(), 0);
  } finally {
    await Promise.all([upstream.close(), other.close()]);
  }
});

Deno.test("executeTool() turns a POST into a bodiless GET on 303", async () => {
  const upstream = startUpstream();
  try {
    const tool = httpTool({
      method: "POST",
      url: redirectUrl(upstream.url, "/echo/result", 303),
      body: { a: 1 },
    });
    const { result } = await executeTool(tool, {}, executeOptions([upstream.origin]));
    assert.equal(result.structuredContent?.method, "GET");
    assert.equal(result.structuredContent?.body, null);
    const headers = result.structuredContent?.headers as Record<string, string>;
    assert.equal(headers["content-type"], undefined);
  } finally {
    await upstream.close();
  }
});

Deno.test("executeTool() keeps method and body on 307 and 308", async () => {
  const upstream = startUpstream();
  try {
    for (const status of [307, 308]) {
      const tool = httpTool({
        method: "PUT",
        url: redirectUrl(upstream.url, "/echo/again", status),
        body: { n: "{n}" },
      });
      const { result } = await executeTool(tool, { n: status }, executeOptions([upstream.origin]));
      assert.equal(result.structuredContent?.method, "PUT");
      assert.deepEqual(result.structuredContent?.body, { n: status });
    }
  } finally {
    await upstream.close();
  }
});

Deno.test("executeTool() stops after 5 redirects with UPSTREAM_ERROR", async () => {
  const upstream = startUpstream();
  try {
    const tool = httpTool({ url: `${upstream.url}/redirect-loop/0` });
    await rejectsWith(
      executeTool(tool, {}, executeOptions([upstream.origin])),
      "UPSTREAM_ERROR",
      "Upstream redirected too many times: stopped after 5 redirects: GET /redirect-loop/0",
    );
    assert.equal(upstream.hits(), 6);
  } finally {
    await upstream.close();
  }
});

Deno.test("executeTool() reports a redirect without Location as an upstream error", async () => {
  const upstream = startUpstream();
  try {
    const tool = httpTool({ url: `${upstream.url}/respond?status=302` });
    await rejectsWith(
      executeTool(tool, {}, executeOptions([upstream.origin])),
      "UPSTREAM_ERROR",
      "Upstream returned HTTP 302 Found",
    );
  } finally {
    await upstream.close();
  }
});

Deno.test("describeTarget() names method and path, never the host or the query", () => {
  const url = new URL("https://api.example.com:8443/a/b?token=secret#frag");
  assert.equal(describeTarget("GET", url), "GET /a/b");
});
