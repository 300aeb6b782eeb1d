import assert from "node:assert/strict";
import { endsKnown, releasedAtStreamEnd } from "../lib/stream_end.ts";

function sse(chunks: string[]): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
      controller.close();
    },
  });
  return new Response(body, { headers: { "content-type": "text/event-stream" } });
}

Deno.test("releasedAtStreamEnd() releases a JSON answer at once", () => {
  let released = 0;
  const response = Response.json({ ok: true });
  assert.equal(releasedAtStreamEnd(response, () => released++), response);
  assert.equal(released, 1);
});

Deno.test("releasedAtStreamEnd() releases an SSE answer once its body is read to the end", async () => {
  let released = 0;
  const wrapped = releasedAtStreamEnd(sse(["event: message\n", "data: {}\n\n"]), () => released++);
  assert.equal(released, 0);
  assert.equal(await wrapped.text(), "event: message\ndata: {}\n\n");
  assert.equal(released, 1);
});

Deno.test("releasedAtStreamEnd() hands the release to a producer that knows the end, unwrapped", async () => {
  const ends: Array<() => void> = [];
  const response = endsKnown(sse(["data: {}\n\n"]), (end) => ends.push(end));
  let released = 0;
  assert.equal(releasedAtStreamEnd(response, () => released++), response);
  assert.equal(ends.length, 1);
  assert.equal(await response.text(), "data: {}\n\n");
  assert.equal(released, 0, "the producer, not the body read, says when it ended");
  ends[0]!();
  assert.equal(released, 1);
});
