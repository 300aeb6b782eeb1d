import assert from "node:assert/strict";
import { executeTool } from "../../../lib/backends/mod.ts";
import { startUpstream } from "../../_support/upstream_server.ts";
import { executeOptions, httpTool, onlyText, rejectsWith } from "../_tools.ts";

interface Echo {
  method: string;
  path: string;
  rawPath: string;
  query: Record<string, string[]>;
  headers: Record<string, string>;
  body: unknown;
}

function echoOf(structured: unknown): Echo {
  assert.ok(structured !== undefined, "expected structured content");
  return structured as Echo;
}

Deno.test("executeTool() percent-encodes a path argument so it cannot add a path segment", async () => {
  const upstream = startUpstream();
  try {
    for (
      const [id, rawPath] of [["../admin", "/echo/users/..%2Fadmin"], ["a/b", "/echo/users/a%2Fb"]]
    ) {
      const tool = httpTool({ url: `${upstream.url}/echo/users/{id}` });
      const { result } = await executeTool(tool, { id }, executeOptions([upstream.origin]));
      assert.equal(echoOf(result.structuredContent).rawPath, rawPath);
    }
    assert.equal(upstream.hits("/admin"), 0);
    assert.equal(upstream.hits("/echo/admin"), 0);
  } finally {
    await upstream.close();
  }
});

Deno.test("executeTool() rejects a .. path argument before calling the upstream", async () => {
  const upstream = startUpstream();
  try {
    const tool = httpTool({ url: `${upstream.url}/echo/users/{id}/profile` });
    await rejectsWith(
      executeTool(tool, { id: ".." }, executeOptions([upstream.origin])),
      "INVALID_INPUT",
      'Argument "id": path segment cannot be "." or ".."',
    );
    assert.equal(upstream.hits(), 0);
  } finally {
    await upstream.close();
  }
});

Deno.test("executeTool() sends repeated query parameters and omits absent ones", async () => {
  const upstream = startUpstream();
  try {
    const tool = httpTool({
      url: `${upstream.url}/echo/search?q={q}`,
      query: { label: "{labels}", limit: "{limit}", sort: "created" },
    });
    const args = { q: "a b&c", labels: ["bug", "p1"] };
    const { result } = await executeTool(tool, args, executeOptions([upstream.origin]));
    assert.deepEqual(echoOf(result.structuredContent).query, {
      q: ["a b&c"],
      label: ["bug", "p1"],
      sort: ["created"],
    });
  } finally {
    await upstream.close();
  }
});

Deno.test("executeTool() sends substituted headers and refuses header injection", async () => {
  const upstream = startUpstream();
  try {
    const tool = httpTool({
      url: `${upstream.url}/echo`,
      headers: { "X-Request-Name": "nexus-{name}", "X-Trace": "{trace}" },
    });
    const options = executeOptions([upstream.origin]);
    const { result } = await executeTool(tool, { name: "ann" }, options);
    const headers = echoOf(result.structuredContent).headers;
    assert.equal(headers["x-request-name"], "nexus-ann");
    assert.equal(headers["x-trace"], undefined);
    await rejectsWith(
      executeTool(tool, { name: "ann\r\nX-Admin: yes" }, options),
      "INVALID_INPUT",
      /^Argument "name": header "X-Request-Name" cannot contain CR, LF or NUL characters$/,
    );
    assert.equal(upstream.hits(), 1);
  } finally {
    await upstream.close();
  }
});

Deno.test("executeTool() sends a typed JSON body built from the arguments", async () => {
  const upstream = startUpstream();
  try {
    const tool = httpTool({
      method: "POST",
      url: `${upstream.url}/echo/issues`,
      body: {
        fields: { summary: "{summary}", labels: "{labels}", points: "{points}" },
        due: "{due}",
      },
    });
    const args = { summary: "Broken", labels: ["bug"], points: 3 };
    const { result } = await executeTool(tool, args, executeOptions([upstream.origin]));
    const echo = echoOf(result.structuredContent);
    assert.equal(echo.method, "POST");
    assert.equal(echo.headers["content-type"], "application/json");
    assert.deepEqual(echo.body, { fields: args });
  } finally {
    await upstream.close();
  }
});

Deno.test("executeTool() narrows a JSON response with response.select", async () => {
  const upstream = startUpstream();
  try {
    const tool = httpTool({
      url: `${upstream.url}/echo/x?q=1`,
      response: { maxBytes: 10_000, select: ["method", "query.q"] },
    });
    const { result } = await executeTool(tool, {}, executeOptions([upstream.origin]));
    const selected = { method: "GET", query: { q: ["1"] } };
    assert.deepEqual(result, {
      content: [{ type: "text", text: JSON.stringify(selected) }],
      structuredContent: selected,
    });
  } finally {
    await upstream.close();
  }
});

Deno.test("executeTool() returns a non-JSON response as text without structured content", async () => {
  const upstream = startUpstream();
  try {
    const tool = httpTool({ url: `${upstream.url}/respond?body=plain+words&type=text/plain` });
    const { result } = await executeTool(tool, {}, executeOptions([upstream.origin]));
    assert.deepEqual(result, { content: [{ type: "text", text: "plain words" }] });
  } finally {
    await upstream.close();
  }
});

Deno.test("executeTool() cuts a huge body at maxBytes without reading all of it", async () => {
  const upstream = startUpstream();
  const total = 256 * 1024 * 1024;
  try {
    const tool = httpTool({
      url: `${upstream.url}/huge?bytes=${total}`,
      response: { maxBytes: 100_000 },
    });
    const { result } = await executeTool(tool, {}, executeOptions([upstream.origin]));
    const text = onlyText(result);
    assert.ok(text.endsWith("\n[truncated: showed 100000 of more than 100000 bytes]"));
    assert.equal(result.structuredContent, undefined);
    assert.ok(upstream.bytesStreamed() < total / 4, `streamed ${upstream.bytesStreamed()} bytes`);
  } finally {
    await upstream.close();
  }
});

Deno.test("executeTool() names the full size in the marker when Content-Length is known", async () => {
  const upstream = startUpstream();
  try {
    const tool = httpTool({
      url: `${upstream.url}/huge?bytes=250000&length=1`,
      response: { maxBytes: 100_000 },
    });
    const { result } = await executeTool(tool, {}, executeOptions([upstream.origin]));
    assert.ok(onlyText(result).endsWith("\n[truncated: showed 100000 of 250000 bytes]"));
  } finally {
    await upstream.close();
  }
});

Deno.test("executeTool() logs each upstream call at debug level without headers or query", async () => {
  const upstream = startUpstream();
  try {
    const tool = httpTool({
      url: `${upstream.url}/echo/logged?token=s3cret`,
      headers: { Authorization: "Bearer s3cret" },
    });
    const options = executeOptions([upstream.origin]);
    await executeTool(tool, {}, options);
    assert.equal(options.lines.length, 1);
    const record = JSON.parse(options.lines[0] ?? "{}");
    assert.equal(record.level, "debug");
    assert.equal(record.method, "GET");
    assert.equal(record.url, `${upstream.origin}/echo/logged`);
    assert.equal(record.status, 200);
    assert.equal(record.tool, "test_tool");
    assert.equal(typeof record.ms, "number");
    assert.ok(!options.lines[0]?.includes("s3cret"));
  } finally {
    await upstream.close();
  }
});
