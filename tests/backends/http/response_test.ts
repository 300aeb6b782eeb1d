import assert from "node:assert/strict";
import { successResult } from "../../../lib/backends/http/response.ts";
import type { HttpMethod, HttpResponseSpec } from "../../../lib/registry/types.ts";

function read(response: Response, spec: HttpResponseSpec, method: HttpMethod = "GET") {
  return successResult(response, { method, spec });
}

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8" };

function jsonResponse(value: unknown, headers: Record<string, string> = JSON_HEADERS): Response {
  return new Response(JSON.stringify(value), { headers });
}

Deno.test("successResult() returns a JSON object as text and structured content", async () => {
  const result = await read(jsonResponse({ a: 1 }), { maxBytes: 1000 });
  assert.deepEqual(result, {
    content: [{ type: "text", text: '{"a":1}' }],
    structuredContent: { a: 1 },
  });
});

Deno.test("successResult() applies response.select before returning JSON", async () => {
  const response = jsonResponse({ key: "K", fields: { summary: "S", big: "x" } });
  const result = await read(response, { maxBytes: 1000, select: ["fields.summary"] });
  assert.deepEqual(result.structuredContent, { fields: { summary: "S" } });
  assert.deepEqual(result.content, [{ type: "text", text: '{"fields":{"summary":"S"}}' }]);
});

Deno.test("successResult() wraps JSON that is not an object as { result }", async () => {
  const result = await read(jsonResponse([1, 2]), { maxBytes: 1000 });
  assert.deepEqual(result.structuredContent, { result: [1, 2] });
  assert.deepEqual(result.content, [{ type: "text", text: "[1,2]" }]);
});

Deno.test("successResult() treats +json media types as JSON", async () => {
  const headers = { "content-type": "application/vnd.api+json" };
  const result = await read(jsonResponse({ ok: true }, headers), { maxBytes: 99 });
  assert.deepEqual(result.structuredContent, { ok: true });
});

Deno.test("successResult() returns JSON that does not parse as plain text", async () => {
  const response = new Response("{nope", { headers: JSON_HEADERS });
  const result = await read(response, { maxBytes: 1000 });
  assert.deepEqual(result, { content: [{ type: "text", text: "{nope" }] });
});

Deno.test("successResult() returns non-JSON bodies as text only", async () => {
  const response = new Response('{"a":1}', { headers: { "content-type": "text/plain" } });
  const result = await read(response, { maxBytes: 1000 });
  assert.deepEqual(result, { content: [{ type: "text", text: '{"a":1}' }] });
});

Deno.test("successResult() cuts long text with a marker naming the Content-Length", async () => {
  const headers = { "content-type": "text/plain", "content-length": "250" };
  const response = new Response("é".repeat(125), { headers });
  const result = await read(response, { maxBytes: 101 });
  assert.deepEqual(result, {
    content: [{ type: "text", text: "é".repeat(50) + "\n[truncated: showed 100 of 250 bytes]" }],
  });
});

Deno.test("successResult() says 'more than' when the total length is unknown", async () => {
  const response = new Response(ReadableStream.from([new TextEncoder().encode("a".repeat(300))]), {
    headers: JSON_HEADERS,
  });
  const result = await read(response, { maxBytes: 100 });
  assert.deepEqual(result, {
    content: [{
      type: "text",
      text: "a".repeat(100) + "\n[truncated: showed 100 of more than 100 bytes]",
    }],
  });
});

Deno.test("successResult() cuts re-serialised JSON that outgrew maxBytes, without structured content", async () => {
  // `1e9` (3 bytes) serialises as `1000000000` (10 bytes), so the 41-byte body becomes 111 bytes.
  const response = new Response(`[${Array(10).fill("1e9").join(",")}]`, { headers: JSON_HEADERS });
  const result = await read(response, { maxBytes: 50 });
  assert.equal(result.structuredContent, undefined);
  const text = result.content[0]?.type === "text" ? result.content[0].text : "";
  const shown = `[${"1000000000,".repeat(5)}`.slice(0, 50);
  assert.equal(text, `${shown}\n[truncated: showed 50 of 111 bytes]`);
});

Deno.test("successResult() describes 204 and HEAD responses by their status line", async () => {
  const noContent = await read(new Response(null, { status: 204 }), { maxBytes: 10 }, "DELETE");
  assert.deepEqual(noContent, { content: [{ type: "text", text: "HTTP 204 No Content" }] });
  const head = await read(new Response("ignored"), { maxBytes: 10 }, "HEAD");
  assert.deepEqual(head, { content: [{ type: "text", text: "HTTP 200 OK" }] });
});

Deno.test("successResult() describes an empty 2xx body by its status line", async () => {
  const result = await read(new Response("", { status: 201 }), { maxBytes: 10 }, "POST");
  assert.deepEqual(result, { content: [{ type: "text", text: "HTTP 201 Created (empty body)" }] });
});
