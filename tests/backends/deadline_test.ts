import assert from "node:assert/strict";
import { createDeadline } from "../../lib/backends/deadline.ts";

Deno.test("createDeadline() has no cause while neither signal fired", () => {
  const deadline = createDeadline(new AbortController().signal, 1000);
  assert.equal(deadline.signal.aborted, false);
  assert.equal(deadline.cause(), undefined);
  deadline.dispose();
});

Deno.test("createDeadline() reports timeout when the timeout fires", async () => {
  const deadline = createDeadline(new AbortController().signal, 10);
  await new Promise((resolve) => deadline.signal.addEventListener("abort", resolve));
  assert.equal(deadline.cause(), "timeout");
});

Deno.test("createDeadline() reports cancelled when the client aborts first", () => {
  const client = new AbortController();
  const deadline = createDeadline(client.signal, 1000);
  client.abort();
  assert.equal(deadline.signal.aborted, true);
  assert.equal(deadline.cause(), "cancelled");
  deadline.dispose();
});

Deno.test("createDeadline() reports cancelled for an already aborted client signal", () => {
  const deadline = createDeadline(AbortSignal.abort(), 1000);
  assert.equal(deadline.cause(), "cancelled");
  deadline.dispose();
});

Deno.test("createDeadline() dispose() stops the timer so a finished call leaves none armed", async () => {
  const deadline = createDeadline(new AbortController().signal, 20);
  deadline.dispose();
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(deadline.signal.aborted, false);
});
