/**
 * The direct path's 2025 framing: headers at once, the SDK transport's `: keepalive` comment while
 * the answer is pending, then the one event and the end of the stream, whose end releases what
 * is held for the answer (admission's slot) without a stream wrapped around it.
 */

import assert from "node:assert/strict";
import { sseAnswer, sseEvent } from "../../lib/mcp/direct_wire.ts";
import { releasedAtStreamEnd } from "../../lib/stream_end.ts";

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

Deno.test("a 2025 answer's end is known: what it holds is released at its end, unwrapped", async () => {
  const answered = Promise.withResolvers<void>();
  const response = sseAnswer(async (write) => {
    await answered.promise;
    write(sseEvent("{}"));
  }, 0);
  let released = 0;
  // Why the same object: a stream wrapped around the body would cost every chunk of the answer.
  assert.equal(releasedAtStreamEnd(response, () => released++), response);
  await Promise.resolve();
  assert.equal(released, 0, "released while the answer is pending");
  answered.resolve();
  assert.equal(await response.text(), "event: message\ndata: {}\n\n");
  assert.equal(released, 1);

  const pending = sseAnswer(() => new Promise<void>(() => {}), 0);
  let cancelled = 0;
  releasedAtStreamEnd(pending, () => cancelled++);
  await pending.body!.cancel();
  assert.equal(cancelled, 1, "a cancelled answer releases what it holds");
  releasedAtStreamEnd(pending, () => cancelled++);
  assert.equal(cancelled, 2, "an ended answer releases at once");
});
