import assert from "node:assert/strict";
import type { JSONRPCMessage } from "@modelcontextprotocol/client";
import { createLineReader, isPlainResultResponse } from "../../lib/upstreams/child_framing.ts";

function collect(options: { maxBufferSize?: number } = {}) {
  const messages: JSONRPCMessage[] = [];
  const errors: string[] = [];
  const reader = createLineReader({
    onMessage: (message) => messages.push(message),
    onError: (error) => errors.push(error.message),
  }, options);
  return { reader, messages, errors };
}

const bytes = (text: string) => new TextEncoder().encode(text);

Deno.test("createLineReader() reads several messages from one chunk, in order", () => {
  const { reader, messages, errors } = collect();
  reader.push(bytes(
    '{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":1}}\n' +
      '{"jsonrpc":"2.0","id":1,"result":{"content":[]}}\r\n' +
      '{"jsonrpc":"2.0","id":"b","error":{"code":-32601,"message":"nope"}}\n',
  ));
  assert.deepEqual(errors, []);
  assert.deepEqual(messages, [
    { jsonrpc: "2.0", method: "notifications/message", params: { level: "info", data: 1 } },
    { jsonrpc: "2.0", id: 1, result: { content: [] } },
    { jsonrpc: "2.0", id: "b", error: { code: -32601, message: "nope" } },
  ]);
});

Deno.test("createLineReader() joins a line split across chunks, even inside a UTF-8 character", () => {
  const { reader, messages } = collect();
  const line = bytes(
    '{"jsonrpc":"2.0","id":7,"result":{"content":[{"type":"text","text":"é✓"}]}}\n',
  );
  const cut = line.indexOf(0xc3) + 1; // between the two bytes of "é"
  reader.push(line.subarray(0, 5));
  reader.push(line.subarray(5, cut));
  assert.equal(messages.length, 0);
  reader.push(line.subarray(cut));
  assert.deepEqual(messages, [
    { jsonrpc: "2.0", id: 7, result: { content: [{ type: "text", text: "é✓" }] } },
  ]);
});

Deno.test("createLineReader() skips a line that is not JSON and reports JSON that is not JSON-RPC", () => {
  const { reader, messages, errors } = collect();
  reader.push(bytes('Server listening\n{"hello":1}\n{"jsonrpc":"2.0","id":1,"result":{}}\n'));
  assert.equal(errors.length, 1);
  assert.deepEqual(messages, [{ jsonrpc: "2.0", id: 1, result: {} }]);
});

Deno.test("createLineReader() drops a partial line past the size bound and says so", () => {
  const { reader, messages, errors } = collect({ maxBufferSize: 16 });
  reader.push(bytes('{"jsonrpc":"2.0","id":1,"result":{}'));
  assert.deepEqual(errors, ["ReadBuffer exceeded maximum size of 16 bytes"]);
  reader.push(bytes('{"jsonrpc":"2.0","id":2,"result":{}}\n'));
  assert.deepEqual(messages, [{ jsonrpc: "2.0", id: 2, result: {} }]);
});

Deno.test("isPlainResultResponse() takes only what the SDK's envelope schema passes unchanged", () => {
  assert.equal(isPlainResultResponse({ jsonrpc: "2.0", id: 1, result: {} }), true);
  assert.equal(isPlainResultResponse({ jsonrpc: "2.0", id: "x", result: { _meta: {} } }), true);
  assert.equal(isPlainResultResponse({ jsonrpc: "2.0", id: 1.5, result: {} }), false);
  assert.equal(isPlainResultResponse({ jsonrpc: "2.0", id: 1, result: [] }), false);
  assert.equal(isPlainResultResponse({ jsonrpc: "2.0", id: 1, result: {}, extra: 1 }), false);
  assert.equal(isPlainResultResponse({ jsonrpc: "1.0", id: 1, result: {} }), false);
  assert.equal(isPlainResultResponse({ jsonrpc: "2.0", id: 1, result: { _meta: 3 } }), false);
  const info = (value: unknown) => ({
    jsonrpc: "2.0",
    id: 1,
    result: { _meta: { "io.modelcontextprotocol/serverInfo": value } },
  });
  assert.equal(isPlainResultResponse(info({ name: "x", version: "1", title: "X" })), true);
  assert.equal(isPlainResultResponse(info({ name: "x" })), false);
  assert.equal(isPlainResultResponse(info({ name: "x", version: 1 })), false);
  assert.equal(isPlainResultResponse(info({ name: "x", version: "1", icons: [] })), false);
  assert.equal(isPlainResultResponse(info({ name: "x", version: "1", extra: "y" })), false);
});
