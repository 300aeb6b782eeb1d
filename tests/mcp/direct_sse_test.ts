/**
 * The direct path's 2025 framing: headers at once, the SDK transport's `: keepalive` comment while
 * the answer is pending, then the one event and the end of the stream; the end known to a holder
 * (`releasedAtStreamEnd`) without a wrapping stream.
 */

import assert from "node:assert/strict";
import { answer, openSse, sseEvent } from "../../lib/mcp/direct_sse.ts";
import { releasedAtStreamEnd } from "../../lib/stream_end.ts";

Deno.test("a pending 2025 answer sends keep-alive comments, then its event, then ends", async () => {
  const { response, sse } = openSse(5);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "text/event-stream");
  assert.equal(response.headers.get("cache-control"), "no-cache, no-transform");
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of response.body!) {
    text += decoder.decode(chunk);
    // Why two comments: the first re-arms the next one on the shared timeout.
    if (text.split(": keepalive\n\n").length > 2) {
      sse.end(sseEvent('{"result":{},"jsonrpc":"2.0","id":1}'));
    }
  }
  assert.match(
    text,
    /^(: keepalive\n\n)+event: message\ndata: \{"result":\{\},"jsonrpc":"2.0","id":1\}\n\n$/,
  );
});

Deno.test("a 2025 answer without keep-alive is its event alone", async () => {
  assert.equal(await answer("legacy", "{}").text(), "event: message\ndata: {}\n\n");
});

Deno.test("a 2025 answer releases its holder when it ends, unwrapped", async () => {
  const { response, sse } = openSse(0);
  let released = 0;
  assert.equal(releasedAtStreamEnd(response, () => released++), response);
  sse.write(sseEvent("{}"));
  assert.equal(released, 0);
  sse.end();
  assert.equal(released, 1);
  assert.equal(await response.text(), "event: message\ndata: {}\n\n");
  assert.equal(released, 1);
});

Deno.test("a 2025 answer ended before it is held releases at once", () => {
  let released = 0;
  releasedAtStreamEnd(answer("legacy", "{}"), () => released++);
  assert.equal(released, 1);
});

Deno.test("a cancelled 2025 answer stops its keep-alive, drops later writes, releases", async () => {
  const { response, sse } = openSse(1);
  let released = 0;
  releasedAtStreamEnd(response, () => released++);
  await response.body!.cancel();
  assert.equal(released, 1);
  assert.equal(sse.write(sseEvent("{}")), false);
  sse.end(sseEvent("{}"));
  sse.fail(new Error("late"));
  assert.equal(released, 1);
});

Deno.test("a 2025 answer's signal aborts when its stream is cancelled, not when it ends", async () => {
  const cancelled = openSse(0);
  const signal = cancelled.sse.signal;
  await cancelled.response.body!.cancel();
  assert.equal(signal.aborted, true);
  assert.equal((signal.reason as DOMException).name, "AbortError");
  const ended = openSse(0);
  ended.sse.end(sseEvent("{}"));
  await ended.response.text();
  assert.equal(ended.sse.signal.aborted, false);
});

Deno.test("a failed 2025 answer cuts its body and releases", async () => {
  const { response, sse } = openSse(0);
  let released = 0;
  releasedAtStreamEnd(response, () => released++);
  sse.fail(new Error("boom"));
  assert.equal(released, 1);
  await assert.rejects(response.text());
});
