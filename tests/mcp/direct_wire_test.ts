/**
 * The direct path's 2025 framing: headers at once, the SDK transport's `: keepalive` comment while
 * the answer is pending, then the one event and the end of the stream.
 */

import assert from "node:assert/strict";
import { sseAnswer, sseEvent } from "../../lib/mcp/direct_wire.ts";

Deno.test("a pending 2025 answer sends keep-alive comments, then its event, then ends", async () => {
  const kept = Promise.withResolvers<void>();
  const response = sseAnswer(async (write) => {
    await kept.promise;
    write(sseEvent('{"result":{},"jsonrpc":"2.0","id":1}'));
  }, 5);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "text/event-stream");
  assert.equal(response.headers.get("cache-control"), "no-cache, no-transform");
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of response.body!) {
    text += decoder.decode(chunk);
    if (text.includes(": keepalive\n\n")) kept.resolve();
  }
  assert.match(
    text,
    /^(: keepalive\n\n)+event: message\ndata: \{"result":\{\},"jsonrpc":"2.0","id":1\}\n\n$/,
  );
});

Deno.test("a 2025 answer without keep-alive is its event alone", async () => {
  const response = sseAnswer((write) => Promise.resolve(write(sseEvent("{}"))), 0);
  assert.equal(await response.text(), "event: message\ndata: {}\n\n");
});
