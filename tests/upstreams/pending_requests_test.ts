import assert from "node:assert/strict";
import { recordingDownstream } from "../_support/downstream_call.ts";
import { isGatewayError } from "../../lib/errors.ts";
import { createPendingRequests } from "../../lib/upstreams/pending_requests.ts";
import { readRelayState } from "../../lib/upstreams/relay_state.ts";

const OPTIONS = { tool: "confirm", timeoutMs: 50 };

function parkedId(result: unknown): string {
  const state = readRelayState((result as { requestState: string }).requestState, "confirm");
  assert.equal(state.kind, "parked");
  return (state as { id: string }).id;
}

Deno.test("settle() answers the upstream's result and forgets the call", async () => {
  const pending = createPendingRequests("up");
  const call = pending.open(recordingDownstream("alice"), {
    ...OPTIONS,
    signal: new AbortController().signal,
  });
  assert.equal(pending.only(), call);
  const result = await pending.settle(call, Promise.resolve({ content: [] }), {
    ...OPTIONS,
    signal: new AbortController().signal,
  });
  assert.deepEqual(result, { content: [] });
  assert.equal(pending.inFlight(call), false);
  assert.equal(pending.only(), undefined);
});

Deno.test("an input request parks the call; the retry's answer resumes it", async () => {
  const pending = createPendingRequests("up");
  const first = new AbortController();
  const call = pending.open(recordingDownstream("alice"), { ...OPTIONS, signal: first.signal });
  const upstream = Promise.withResolvers<unknown>();
  const work = (async () => {
    const answer = await call.ask(
      { method: "elicitation/create", params: { message: "ok?" } },
      new AbortController().signal,
    );
    return { content: [{ type: "text", text: JSON.stringify(answer) }] };
  })();
  work.then(upstream.resolve, upstream.reject);
  const parked = await pending.settle(call, upstream.promise, {
    ...OPTIONS,
    signal: first.signal,
  }) as Record<string, unknown>;
  assert.equal(parked.resultType, "input_required");
  assert.deepEqual(parked.inputRequests, {
    "elicitation-1": { method: "elicitation/create", params: { message: "ok?" } },
  });
  // The first request ended: its abort no longer reaches the parked upstream call.
  first.abort();
  assert.equal(call.signal.aborted, false);
  const retry = recordingDownstream("alice", {
    inputResponses: { "elicitation-1": { action: "accept", content: { ok: true } } },
  });
  const result = await pending.resume(parkedId(parked), retry, {
    ...OPTIONS,
    signal: new AbortController().signal,
  });
  assert.deepEqual(result, {
    content: [{ type: "text", text: '{"action":"accept","content":{"ok":true}}' }],
  });
  assert.equal(call.downstream, retry);
  assert.equal(pending.inFlight(call), false);
});

Deno.test("resume() refuses another principal's parked call, and an unknown one, alike", async () => {
  const pending = createPendingRequests("up");
  const call = pending.open(recordingDownstream("alice"), {
    ...OPTIONS,
    signal: new AbortController().signal,
  });
  const asked = call.ask({ method: "roots/list" }, new AbortController().signal);
  const parked = await pending.settle(call, asked.then(() => ({ content: [] })), {
    ...OPTIONS,
    signal: new AbortController().signal,
  });
  const id = parkedId(parked);
  const signal = new AbortController().signal;
  const stolen = await pending.resume(id, recordingDownstream("mallory"), { ...OPTIONS, signal })
    .catch((
      e,
    ) => e);
  const unknown = await pending.resume(crypto.randomUUID(), recordingDownstream("alice"), {
    ...OPTIONS,
    signal,
  })
    .catch((e) => e);
  assert.ok(isGatewayError(stolen) && isGatewayError(unknown));
  assert.equal(stolen.code, "INVALID_PARAMS");
  assert.equal(stolen.message, unknown.message);
  // The owner still resumes it; an unanswered request is asked again.
  const again = await pending.resume(id, recordingDownstream("alice"), {
    ...OPTIONS,
    signal,
  }) as Record<
    string,
    unknown
  >;
  assert.equal(again.resultType, "input_required");
  assert.deepEqual(Object.keys(again.inputRequests as object), ["roots-1"]);
  pending.close();
  await asked.catch(() => {});
});

Deno.test("a parked call the client never answers expires: its request fails, its upstream call is aborted", async () => {
  const pending = createPendingRequests("up", { graceMs: 0 });
  const call = pending.open(recordingDownstream("alice"), {
    ...OPTIONS,
    signal: new AbortController().signal,
  });
  const asked = call.ask(
    { method: "elicitation/create", params: {} },
    new AbortController().signal,
  );
  const failed = asked.catch((error) => error);
  const parked = await pending.settle(call, asked.then(() => ({ content: [] })), {
    ...OPTIONS,
    signal: new AbortController().signal,
  });
  const error = await failed;
  assert.ok(isGatewayError(error));
  assert.match(error.message, /did not answer upstream "up" in time/);
  assert.equal(call.signal.aborted, true);
  const late = await pending.resume(parkedId(parked), recordingDownstream("alice"), {
    ...OPTIONS,
    signal: new AbortController().signal,
  }).catch((e) => e);
  assert.ok(isGatewayError(late));
});

Deno.test("the client's cancellation aborts the upstream call while the client waits", () => {
  const pending = createPendingRequests("up");
  const client = new AbortController();
  const call = pending.open(recordingDownstream("alice"), { ...OPTIONS, signal: client.signal });
  const other = pending.open(recordingDownstream("bob"), {
    ...OPTIONS,
    signal: new AbortController().signal,
  });
  assert.equal(pending.only(), undefined, "two calls in flight: none is the only one");
  client.abort(new Error("cancelled"));
  assert.equal(call.signal.aborted, true);
  assert.equal(other.signal.aborted, false);
});

Deno.test("progress goes to the client's own token on the current request", async () => {
  const pending = createPendingRequests("up");
  const client = recordingDownstream("alice", { progressToken: "tok-1" });
  const call = pending.open(client, { ...OPTIONS, signal: new AbortController().signal });
  call.progress({ progress: 1, total: 2 });
  await pending.settle(call, Promise.resolve({ content: [] }), {
    ...OPTIONS,
    signal: new AbortController().signal,
  });
  assert.deepEqual(client.sent, [{
    method: "notifications/progress",
    params: { progress: 1, total: 2, progressToken: "tok-1" },
  }]);
});
