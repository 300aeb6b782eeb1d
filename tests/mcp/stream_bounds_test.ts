import assert from "node:assert/strict";
import { createStreamSlots, guardStream } from "../../lib/mcp/stream_bounds.ts";
import { createLogger } from "../../lib/log.ts";

const logger = createLogger({ level: "error", sink: () => {} });

Deno.test("createStreamSlots() caps each principal, not the others, and frees released slots", () => {
  const slots = createStreamSlots({ perPrincipal: 2, recheckMs: 60_000, logger });
  const first = slots.acquire("key:a");
  assert.ok(first && slots.acquire("key:a"));
  assert.equal(slots.acquire("key:a"), undefined);
  assert.ok(slots.acquire("key:b"));
  first.release();
  first.release();
  assert.equal(slots.count("key:a"), 1);
  assert.ok(slots.acquire("key:a"));
  slots.close();
  assert.equal(slots.count(), 0);
});

Deno.test("createStreamSlots() recheck() ends the streams of callers no longer accepted", async () => {
  const slots = createStreamSlots({ perPrincipal: 5, recheckMs: 60_000, logger });
  let revoked = false;
  const kept = slots.acquire("key:b", () => Promise.resolve(true))!;
  const ended = slots.acquire("key:a", () => Promise.resolve(!revoked))!;
  const unsure = slots.acquire("key:c", () => Promise.reject(new Error("store down")))!;
  await slots.recheck();
  assert.equal(ended.signal.aborted, false);
  revoked = true;
  await slots.recheck();
  assert.equal(ended.signal.aborted, true);
  assert.equal(slots.count("key:a"), 0);
  assert.equal(kept.signal.aborted, false);
  assert.equal(unsure.signal.aborted, false, "a check that cannot run keeps the stream");
  slots.close();
});

Deno.test("guardStream() ends a stream whose client stopped reading, freeing its slot", async () => {
  const slots = createStreamSlots({ perPrincipal: 1, recheckMs: 60_000, logger });
  const slot = slots.acquire("key:slow")!;
  let source: ReadableStreamDefaultController<Uint8Array>;
  let sourceCancelled = false;
  const guarded = guardStream(
    new ReadableStream<Uint8Array>({
      start: (controller) => void (source = controller),
      cancel: () => void (sourceCancelled = true),
    }),
    slot,
    { maxBacklog: 4 },
  );
  // Nobody reads `guarded`: frames pile up until the backlog bound ends the stream.
  for (let frame = 0; frame < 10 && !sourceCancelled; frame++) {
    source!.enqueue(new TextEncoder().encode(`: frame ${frame}\n\n`));
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  assert.equal(slots.count("key:slow"), 0);
  assert.ok(sourceCancelled);
  const reader = guarded.getReader();
  let frames = 0;
  while (!(await reader.read()).done) frames++;
  assert.ok(frames <= 6, `${frames} frames were queued`);
});

Deno.test("guardStream() ends when its slot is aborted", async () => {
  const slots = createStreamSlots({
    perPrincipal: 1,
    recheckMs: 60_000,
    logger,
  });
  const slot = slots.acquire("key:a", () => Promise.resolve(false))!;
  const guarded = guardStream(new ReadableStream<Uint8Array>(), slot, { maxBacklog: 4 });
  const reader = guarded.getReader();
  await slots.recheck();
  assert.equal((await reader.read()).done, true);
});

Deno.test("createStreamSlots() drain(): open streams and later ones end with an SSE retry: field", async () => {
  const slots = createStreamSlots({ perPrincipal: 5, recheckMs: 60_000, logger });
  const source = () =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(": open\n\n"));
      },
    });
  const open = guardStream(source(), slots.acquire("key:a")!, { maxBacklog: 8 });
  const reading = new Response(open).text();
  await new Promise((resolve) => setTimeout(resolve, 0));
  slots.drain(2000);
  assert.equal(await reading, ": open\n\nretry: 2000\n\n");
  assert.equal(slots.count(), 0);
  const late = slots.acquire("key:b")!;
  assert.equal(late.signal.aborted, true, "a stream opened while draining ends at once");
  const text = await new Response(guardStream(source(), late, { maxBacklog: 8 })).text();
  assert.equal(text, "retry: 2000\n\n");
  slots.close();
});
