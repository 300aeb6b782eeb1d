import assert from "node:assert/strict";
import { readCapped, utf8Boundary } from "../../../lib/backends/http/read_body.ts";

function countingStream(chunks: number, chunkSize: number) {
  const state = { pulled: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (state.pulled === chunks) return controller.close();
      state.pulled++;
      controller.enqueue(new Uint8Array(chunkSize).fill(65));
    },
    cancel() {
      state.cancelled = true;
    },
  }, { highWaterMark: 0 });
  return { stream, state };
}

Deno.test("readCapped() reads a short body completely", async () => {
  const { stream, state } = countingStream(3, 10);
  const body = await readCapped(stream, 100);
  assert.equal(body.complete, true);
  assert.equal(body.bytes.length, 30);
  assert.equal(state.cancelled, false);
});

Deno.test("readCapped() treats a body of exactly the limit as complete", async () => {
  const { stream } = countingStream(2, 50);
  const body = await readCapped(stream, 100);
  assert.equal(body.complete, true);
  assert.equal(body.bytes.length, 100);
});

Deno.test("readCapped() stops one byte past the limit and cancels the stream", async () => {
  const { stream, state } = countingStream(1000, 64);
  const body = await readCapped(stream, 100);
  assert.equal(body.complete, false);
  assert.equal(body.bytes.length, 101);
  assert.equal(state.pulled, 2);
  assert.equal(state.cancelled, true);
});

Deno.test("readCapped() returns an empty complete body for a null stream", async () => {
  assert.deepEqual(await readCapped(null, 10), { bytes: new Uint8Array(0), complete: true });
});

Deno.test("readCapped() rethrows a stream error", async () => {
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      controller.error(new Error("reset"));
    },
  });
  await assert.rejects(readCapped(stream, 10), /reset/);
});

Deno.test("utf8Boundary() never cuts a multi-byte character in half", () => {
  const bytes = new TextEncoder().encode("aé€😀"); // 1 + 2 + 3 + 4 bytes
  assert.equal(utf8Boundary(bytes, 2), 1);
  assert.equal(utf8Boundary(bytes, 3), 3);
  assert.equal(utf8Boundary(bytes, 5), 3);
  assert.equal(utf8Boundary(bytes, 6), 6);
  assert.equal(utf8Boundary(bytes, 9), 6);
  assert.equal(utf8Boundary(bytes, 10), 10);
  assert.equal(utf8Boundary(bytes, 50), 10);
});
