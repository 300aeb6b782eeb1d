/**
 * `createCallGate()`: calls beyond `maxConcurrent` wait in FIFO order and then run; beyond the
 * queue bound, after the wait timeout, or when cancelled they are refused.
 */

import assert from "node:assert/strict";
import { createCallGate, type GateDecision } from "../../lib/upstreams/mod.ts";

function released(decision: GateDecision): () => void {
  assert.ok(decision.admitted, "admitted");
  return decision.release;
}

Deno.test("calls beyond maxConcurrent wait and run in arrival order as slots free up", async () => {
  const gate = createCallGate({ maxConcurrent: 2, queue: 4, queueTimeoutMs: 5_000 });
  const first = released(await gate.enter());
  const second = released(await gate.enter());
  const order: string[] = [];
  const third = gate.enter().then((decision) => (order.push("third"), decision));
  const fourth = gate.enter().then((decision) => (order.push("fourth"), decision));
  assert.equal(gate.waiting(), 2);
  first();
  first();
  released(await third);
  assert.deepEqual(order, ["third"]);
  assert.equal(gate.inFlight(), 2, "a double release frees one slot only");
  second();
  released(await fourth);
  assert.deepEqual(order, ["third", "fourth"]);
  assert.equal(gate.waiting(), 0);
});

Deno.test("a call beyond the queue bound is refused at once", async () => {
  const gate = createCallGate({ maxConcurrent: 1, queue: 1, queueTimeoutMs: 5_000 });
  const first = released(await gate.enter());
  const waiting = gate.enter();
  assert.deepEqual(await gate.enter(), { admitted: false, reason: "full" });
  first();
  released(await waiting)();
  assert.equal(gate.inFlight(), 0);
});

Deno.test("a queued call is refused after queueTimeout and leaves the queue", async () => {
  const gate = createCallGate({ maxConcurrent: 1, queue: 2, queueTimeoutMs: 50 });
  const first = released(await gate.enter());
  const started = performance.now();
  assert.deepEqual(await gate.enter(), { admitted: false, reason: "timeout" });
  assert.ok(performance.now() - started >= 45);
  assert.equal(gate.waiting(), 0);
  first();
  released(await gate.enter())();
});

Deno.test("a queued call whose signal aborts is refused as cancelled", async () => {
  const gate = createCallGate({ maxConcurrent: 1, queue: 2, queueTimeoutMs: 5_000 });
  const first = released(await gate.enter());
  const controller = new AbortController();
  const waiting = gate.enter(controller.signal);
  controller.abort();
  assert.deepEqual(await waiting, { admitted: false, reason: "cancelled" });
  assert.equal(gate.waiting(), 0);
  first();
});

Deno.test("queue 0 refuses every call beyond maxConcurrent", async () => {
  const gate = createCallGate({ maxConcurrent: 1, queue: 0, queueTimeoutMs: 5_000 });
  released(await gate.enter());
  assert.deepEqual(await gate.enter(), { admitted: false, reason: "full" });
});
