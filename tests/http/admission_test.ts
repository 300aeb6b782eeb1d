/**
 * `createInstanceAdmission()`: requests beyond `maxInflight` wait in FIFO order, past the queue or
 * the wait they get 503 `OVERLOADED` with `Retry-After`, a slot is held until the response body
 * ends; `defaultMaxInflight()` follows the heap limit with a floor.
 */

import assert from "node:assert/strict";
import {
  admissionLimits,
  createInstanceAdmission,
  defaultMaxInflight,
  HEAP_PER_CALL_BYTES,
  MIN_DERIVED_INFLIGHT,
} from "../../lib/http/mod.ts";
import { ERROR_TABLE } from "../../lib/errors.ts";

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

Deno.test("requests beyond maxInflight queue in order; past the queue they are shed with 503 and Retry-After", async () => {
  const admission = createInstanceAdmission({
    maxInflight: 2,
    queueMax: 1,
    queueTimeoutMs: 5_000,
    maxInflightPerClient: 4,
  });
  const gates = [deferred(), deferred(), deferred()];
  const order: number[] = [];
  const serve = (index: number) => async () => {
    order.push(index);
    await gates[index]!.promise;
    return new Response(`answer ${index}`);
  };
  const first = admission.run(serve(0));
  const second = admission.run(serve(1));
  const third = admission.run(serve(2));
  const shed = await admission.run(() => assert.fail("a shed request is never served"));
  assert.equal(shed.status, 503);
  assert.equal(shed.headers.get("retry-after"), "5");
  const body = await shed.json();
  assert.equal(body.error.code, ERROR_TABLE.OVERLOADED.jsonRpc);
  assert.equal(body.error.data.retryAfterMs, 5_000);
  assert.match(body.error.message, /^Cannot admit the request: the gateway is overloaded/);
  assert.deepEqual(
    { ...admission.snapshot() },
    {
      maxInflight: 2,
      queueMax: 1,
      queueTimeoutMs: 5_000,
      maxInflightPerClient: 4,
      shedUnreadyMs: 5_000,
      inflight: 2,
      queued: 1,
      shed: 1,
      clientCapped: 0,
      clients: 1,
    },
  );
  assert.deepEqual(order, [0, 1], "the queued request has not started");
  gates[0]!.resolve();
  assert.equal(await (await first).text(), "answer 0");
  gates[2]!.resolve();
  assert.equal(await (await third).text(), "answer 2");
  gates[1]!.resolve();
  assert.equal(await (await second).text(), "answer 1");
  assert.deepEqual(order, [0, 1, 2]);
  assert.equal(admission.snapshot().inflight, 0);
  const families = Object.fromEntries(
    admission.families().map((family) => [family.name, family]),
  );
  assert.deepEqual(families["nexus_calls_shed_total"]?.samples, [{ value: 1 }]);
  assert.deepEqual(families["nexus_calls_in_flight"]?.samples, [{ value: 0 }]);
  assert.deepEqual(families["nexus_calls_queued"]?.samples, [{ value: 0 }]);
});

Deno.test("a queued request that waits past queueTimeoutMs is shed", async () => {
  const admission = createInstanceAdmission({
    maxInflight: 1,
    queueMax: 4,
    queueTimeoutMs: 20,
    maxInflightPerClient: 4,
  });
  const hold = deferred();
  const first = admission.run(async () => (await hold.promise, new Response("done")));
  const waited = await admission.run(() => assert.fail("never served"));
  assert.equal(waited.status, 503);
  assert.match((await waited.json()).error.message, /no slot in time/);
  assert.equal(waited.headers.get("retry-after"), "1", "at least one second");
  hold.resolve();
  assert.equal(await (await first).text(), "done");
  assert.equal(admission.snapshot().shed, 1);
});

Deno.test("a request's signal is read only when it must wait, and its abort takes it out of the queue", async () => {
  const admission = createInstanceAdmission({
    maxInflight: 1,
    queueMax: 1,
    queueTimeoutMs: 5_000,
    maxInflightPerClient: 2,
  });
  const hold = deferred();
  let reads = 0;
  const client = new AbortController();
  const holder = {
    get signal() {
      reads++;
      return client.signal;
    },
  };
  const first = admission.run(async () => (await hold.promise, new Response("first")), {
    signal: holder,
  });
  assert.equal(reads, 0);
  const queued = admission.run(() => assert.fail("a request that went away is never served"), {
    signal: holder,
  });
  assert.equal(reads, 1);
  client.abort();
  const refused = await queued;
  assert.equal(refused.status, 503);
  await refused.body?.cancel();
  hold.resolve();
  assert.equal(await (await first).text(), "first");
});

Deno.test("an SSE answer holds its slot until its body ends or is cancelled; JSON and a throw free it at once", async () => {
  const admission = createInstanceAdmission({ maxInflight: 1, queueMax: 0, queueTimeoutMs: 1_000 });
  let push!: ReadableStreamDefaultController<Uint8Array>;
  const stream = new ReadableStream<Uint8Array>({
    start: (controller) => void (push = controller),
  });
  const sse = { headers: { "content-type": "text/event-stream" } };
  const response = await admission.run(() => Promise.resolve(new Response(stream, sse)));
  assert.equal(admission.snapshot().inflight, 1, "the handler returned, the stream goes on");
  const refused = await admission.run(() => assert.fail("never served"));
  assert.equal(refused.status, 503);
  await refused.body?.cancel();
  push.enqueue(new TextEncoder().encode("event"));
  push.close();
  assert.equal(await response.text(), "event");
  assert.equal(admission.snapshot().inflight, 0);

  const cancelled = await admission.run(() =>
    Promise.resolve(new Response(new ReadableStream({ pull: () => {} }), sse))
  );
  assert.equal(admission.snapshot().inflight, 1);
  await cancelled.body!.cancel();
  assert.equal(admission.snapshot().inflight, 0);

  const json = await admission.run(() => Promise.resolve(Response.json({ result: {} })));
  assert.equal(admission.snapshot().inflight, 0, "a JSON answer frees its slot at once");
  await json.body?.cancel();

  await assert.rejects(admission.run(() => Promise.reject(new Error("boom"))), /boom/);
  assert.equal(admission.snapshot().inflight, 0);
});

Deno.test("defaultMaxInflight is 0.35 of the heap limit over the per-call figure, never below the floor", () => {
  assert.equal(HEAP_PER_CALL_BYTES, 200 * 1024);
  const mb = 1024 * 1024;
  assert.equal(defaultMaxInflight(200 * mb), 358);
  assert.equal(defaultMaxInflight(4096 * mb), 7_340);
  assert.equal(defaultMaxInflight(4 * mb), MIN_DERIVED_INFLIGHT);
  assert.equal(defaultMaxInflight(Number.NaN), MIN_DERIVED_INFLIGHT);
  assert.ok(defaultMaxInflight(200 * mb) < defaultMaxInflight(2048 * mb));
  assert.deepEqual(admissionLimits({ maxInflight: 10, queueTimeoutMs: 1_000 }), {
    maxInflight: 10,
    queueMax: 2,
    queueTimeoutMs: 1_000,
    maxInflightPerClient: 5,
    shedUnreadyMs: 5_000,
  });
  assert.equal(admissionLimits({ maxInflight: 10, queueMax: 0, queueTimeoutMs: 5 }).queueMax, 0);
});

Deno.test("a client past its share is refused with 503 while another client is served; that is not shedding", async () => {
  const admission = createInstanceAdmission({ maxInflight: 4, queueMax: 4, queueTimeoutMs: 5_000 });
  assert.equal(admission.snapshot().maxInflightPerClient, 2, "half of maxInflight by default");
  const hold = deferred();
  const slow = () => hold.promise.then(() => new Response("slow"));
  const greedy = [admission.run(slow, { client: "a" }), admission.run(slow, { client: "a" })];
  const capped = await admission.run(() => assert.fail("never served"), { client: "a" });
  assert.equal(capped.status, 503);
  assert.match((await capped.json()).error.message, /this client's share/);
  const other = await admission.run(() => Promise.resolve(new Response("b")), { client: "b" });
  assert.equal(await other.text(), "b");
  assert.equal(admission.snapshot().clientCapped, 1);
  assert.equal(admission.snapshot().shed, 0);
  assert.equal(admission.shedding(), false, "one greedy client does not make the instance unready");
  hold.resolve();
  for (const response of await Promise.all(greedy)) assert.equal(await response.text(), "slow");
});

Deno.test("shedding() is true for shedUnreadyMs after the instance last shed, then false", async () => {
  let clock = 1_000;
  const admission = createInstanceAdmission(
    { maxInflight: 1, queueMax: 0, queueTimeoutMs: 1_000, shedUnreadyMs: 5_000 },
    { now: () => clock },
  );
  const hold = deferred();
  const first = admission.run(() => hold.promise.then(() => new Response("done")));
  assert.equal(admission.shedding(), false);
  const shed = await admission.run(() => assert.fail("never served"), { client: "other" });
  assert.equal(shed.status, 503);
  await shed.body?.cancel();
  assert.equal(admission.shedding(), true);
  clock += 4_999;
  assert.equal(admission.shedding(), true);
  clock += 1;
  assert.equal(admission.shedding(), false);
  hold.resolve();
  await (await first).body?.cancel();
});
