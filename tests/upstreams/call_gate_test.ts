/**
 * `createCallGate()`: calls beyond `maxConcurrent` wait in FIFO order and then run; beyond the
 * queue bound, after the wait timeout, or when cancelled they are refused.
 */

import assert from "node:assert/strict";
import { createCallGate, type GateDecision } from "../../lib/upstreams/mod.ts";

function released(decision: GateDecision): () => void {
  assert.ok(decision.admitted, "admitted");
  // Why a method call: a slot is an object whose `release` is a method, not a bound closure.
  return () => decision.release();
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

Deno.test("perKey: one key holds at most its share of slots and queue places; others still enter", async () => {
  const gate = createCallGate({ maxConcurrent: 4, queue: 4, queueTimeoutMs: 5_000, perKey: 2 });
  const greedy = [
    released(await gate.enter(undefined, "a")),
    released(await gate.enter(undefined, "a")),
  ];
  assert.deepEqual(await gate.enter(undefined, "a"), { admitted: false, reason: "share" });
  const other = released(await gate.enter(undefined, "b"));
  assert.equal(gate.inFlight(), 3);
  assert.equal(gate.keys(), 2);
  greedy[0]!();
  released(await gate.enter(undefined, "a"))();
  greedy[1]!();
  other();
  assert.equal(gate.inFlight(), 0);
  assert.equal(gate.keys(), 0, "a key with nothing held is forgotten");
});

Deno.test("the queue is served round-robin across keys, FIFO within a key", async () => {
  const gate = createCallGate({ maxConcurrent: 1, queue: 8, queueTimeoutMs: 5_000, perKey: 8 });
  const first = released(await gate.enter(undefined, "greedy"));
  const order: string[] = [];
  const releases = new Map<string, () => void>();
  const queued = [
    ["greedy", "g1"],
    ["greedy", "g2"],
    ["greedy", "g3"],
    ["polite", "p1"],
    ["other", "o1"],
    ["polite", "p2"],
  ].map(([key, name]) =>
    gate.enter(undefined, key).then((decision) => {
      order.push(name!);
      releases.set(name!, released(decision));
    })
  );
  assert.equal(gate.waiting(), 6);
  first();
  // Why one at a time: each release admits exactly one waiter, whose release admits the next.
  for (let served = 1; served <= 6; served++) {
    while (order.length < served) await new Promise((resolve) => setTimeout(resolve, 0));
    releases.get(order[served - 1]!)!();
  }
  await Promise.all(queued);
  assert.deepEqual(order, ["g1", "p1", "o1", "g2", "p2", "g3"]);
  assert.equal(gate.inFlight(), 0);
});

Deno.test("a queued call that times out gives its key's place back", async () => {
  const gate = createCallGate({ maxConcurrent: 1, queue: 4, queueTimeoutMs: 30, perKey: 2 });
  const first = released(await gate.enter(undefined, "a"));
  assert.deepEqual(await gate.enter(undefined, "a"), { admitted: false, reason: "timeout" });
  const again = gate.enter(undefined, "a");
  assert.equal(gate.waiting(), 1, "the timed-out place was returned to the key");
  first();
  released(await again)();
  assert.equal(gate.keys(), 0);
});

Deno.test("decideNow() takes a free slot or refuses at once, and leaves a wait to enter()", async () => {
  const gate = createCallGate({ maxConcurrent: 1, queue: 1, queueTimeoutMs: 5_000, perKey: 2 });
  const first = released(gate.decideNow(undefined, "a")!);
  assert.equal(gate.inFlight(), 1);
  assert.equal(gate.decideNow(undefined, "b"), undefined, "no slot free: the call must wait");
  assert.equal(gate.waiting(), 0, "decideNow queues nothing");
  const waiting = gate.enter(undefined, "b");
  assert.deepEqual(gate.decideNow(undefined, "c"), { admitted: false, reason: "full" });
  const aborted = AbortSignal.abort();
  assert.deepEqual(gate.decideNow(aborted, "c"), { admitted: false, reason: "cancelled" });
  first();
  released(await waiting)();
  assert.equal(gate.inFlight(), 0);
});
