import assert from "node:assert/strict";
import { GatewayError } from "../../lib/errors.ts";
import { readCapped, readJsonObject, readJsonRpcBody } from "../../lib/http/body.ts";

function post(body: BodyInit, headers: Record<string, string> = {}): Request {
  return new Request("http://127.0.0.1/mcp", { method: "POST", body, headers });
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GatewayError) return error.code;
    throw error;
  }
  return "none";
}

Deno.test("readJsonRpcBody() parses one JSON-RPC message", async () => {
  const value = await readJsonRpcBody(post('{"jsonrpc":"2.0","id":1,"method":"ping"}'), 1024);
  assert.deepEqual(value, { jsonrpc: "2.0", id: 1, method: "ping" });
});

Deno.test("readJsonRpcBody() answers malformed JSON with PARSE_ERROR", async () => {
  assert.equal(await codeOf(readJsonRpcBody(post("{bad"), 1024)), "PARSE_ERROR");
});

Deno.test("readJsonRpcBody() refuses a batch: one message per POST", async () => {
  assert.equal(await codeOf(readJsonRpcBody(post("[]"), 1024)), "INVALID_REQUEST");
  assert.equal(await codeOf(readJsonRpcBody(post('"x"'), 1024)), "INVALID_REQUEST");
});

Deno.test("readJsonRpcBody() stops reading a streamed body past the limit", async () => {
  let pulled = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled++;
      controller.enqueue(new Uint8Array(1024));
      if (pulled > 1000) controller.close();
    },
  });
  assert.equal(await codeOf(readJsonRpcBody(post(stream), 4096)), "PAYLOAD_TOO_LARGE");
  assert.ok(pulled < 20, `read ${pulled} chunks after the limit`);
});

Deno.test("readJsonRpcBody() rejects a declared Content-Length over the limit unread", async () => {
  const request = post("x".repeat(10), { "content-length": "999999" });
  assert.equal(await codeOf(readJsonRpcBody(request, 1024)), "PAYLOAD_TOO_LARGE");
});

Deno.test("readJsonRpcBody() answers a body that is not valid UTF-8 with PARSE_ERROR", async () => {
  // Why these bytes: a lenient decoder turns 0xff into U+FFFD and the message would run.
  const bytes = new Uint8Array([
    ...new TextEncoder().encode('{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":"'),
    0xff,
    ...new TextEncoder().encode('"}}'),
  ]);
  assert.equal(await codeOf(readJsonRpcBody(post(bytes), 1024)), "PARSE_ERROR");
  const overlong = new Uint8Array([0x22, 0xc0, 0xaf, 0x22]); // "/" as a forbidden overlong form
  assert.equal(await codeOf(readCapped(post(overlong), 1024)), "PARSE_ERROR");
});

Deno.test("readCapped() decodes a body whole after one that was refused as invalid UTF-8", async () => {
  // Why: one decoder serves every read; an invalid sequence cut short must not leak into the next.
  const truncated = new Uint8Array([0x61, 0xe2, 0x82]); // "a" and the first two bytes of "€"
  assert.equal(await codeOf(readCapped(post(truncated), 1024)), "PARSE_ERROR");
  assert.equal(await readCapped(post(new TextEncoder().encode("\u00ac€")), 1024), "¬€");
});

Deno.test("readJsonObject() reads one JSON object through the same cap", async () => {
  assert.deepEqual(await readJsonObject(post('{"a":1}'), 1024), { a: 1 });
  assert.equal(await codeOf(readJsonObject(post("[1]"), 1024)), "INVALID_INPUT");
  assert.equal(await codeOf(readJsonObject(post("{bad"), 1024)), "PARSE_ERROR");
  assert.equal(
    await codeOf(readJsonObject(post(`"${"x".repeat(2000)}"`), 1024)),
    "PAYLOAD_TOO_LARGE",
  );
});

Deno.test("readJsonRpcBody() gives up on a body that stalls past its deadline", async () => {
  let cancelled = false;
  const stalled = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"jsonrpc":'));
    },
    cancel() {
      cancelled = true;
    },
  });
  const started = performance.now();
  const code = await codeOf(readJsonRpcBody(post(stalled), 1024, { deadlineMs: 100 }));
  assert.equal(code, "REQUEST_TIMEOUT");
  assert.ok(performance.now() - started < 1000);
  assert.ok(cancelled, "the stalled body was not cancelled");
});

Deno.test("readJsonRpcBody() reads a body that arrives within its deadline", async () => {
  const value = await readJsonRpcBody(post('{"jsonrpc":"2.0","id":1,"method":"ping"}'), 1024, {
    deadlineMs: 1000,
  });
  assert.deepEqual(value, { jsonrpc: "2.0", id: 1, method: "ping" });
});

Deno.test("readJsonObject() gives up on an admin body that stalls past its deadline", async () => {
  const stalled = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"name":'));
    },
  });
  const code = await codeOf(readJsonObject(post(stalled), 1024, { deadlineMs: 50 }));
  assert.equal(code, "REQUEST_TIMEOUT");
});
