/**
 * The parked-call link of two instances on the shared test Redis (each with its own connection,
 * one prefix): the holder parks a call in real pending requests and resumes it for a retry the
 * other instance forwards; messages, outcomes, errors and cancellations cross over pub/sub, and a
 * holder that is gone, or stops answering, fails the retry at once with a clear error.
 */

import assert from "node:assert/strict";
import { GatewayError, isGatewayError } from "../../lib/errors.ts";
import { openParkedPeers } from "../../lib/gateway/parked_peers.ts";
import { silentLogger } from "../../lib/log.ts";
import { recordingDownstream } from "../_support/downstream_call.ts";
import { redisKey } from "../../lib/store/mod.ts";
import { createPendingRequests } from "../../lib/upstreams/pending_requests.ts";
import { readRelayState } from "../../lib/upstreams/relay_state.ts";
import { waitUntil } from "../_support/gateway.ts";
import { openTestRedis, redisTest, testPrefix, untilReady } from "../_support/redis.ts";

type Peers = NonNullable<ReturnType<typeof openParkedPeers>>;

/** Two instances' links on `prefix`, each on its own connection, both subscribed. */
async function openPair(prefix: string, heartbeatMs?: number) {
  const connections = [openTestRedis(prefix), openTestRedis(prefix)] as const;
  await Promise.all(connections.map((redis) => untilReady(redis)));
  const options = { prefix, logger: silentLogger, ...(heartbeatMs ? { heartbeatMs } : {}) };
  const holder = openParkedPeers(connections[0], options)!;
  const asker = openParkedPeers(connections[1], options)!;
  for (const peers of [holder, asker]) await subscribed(connections[0], prefix, peers, 1);
  return {
    holder,
    asker,
    redis: connections[0],
    async [Symbol.asyncDispose]() {
      holder.close();
      asker.close();
      for (const redis of connections) await redis[Symbol.asyncDispose]();
    },
  };
}

/** Waits until `peers`' inbox has `count` subscribers. */
async function subscribed(
  redis: ReturnType<typeof openTestRedis>,
  prefix: string,
  peers: Peers,
  count: number,
): Promise<void> {
  const channel = redisKey(prefix, "parkedChannel", peers.instance);
  let seen = -1;
  const check = async () => {
    const reply = await redis.command(["PUBSUB", "NUMSUB", channel]) as [string, number];
    seen = Number(reply[1]);
  };
  for (let tries = 0; tries < 250 && seen !== count; tries++) {
    await check();
    if (seen !== count) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.equal(seen, count, `subscribers of ${channel}`);
}

/** Parks one call on `holder` (an elicitation), served there; returns its parked id. */
async function parkOne(holder: Peers): Promise<string> {
  const pending = createPendingRequests("up", { instance: holder.instance });
  holder.serve("up", (request, standIn, signal) =>
    pending.resume(request.id, standIn, {
      tool: request.tool,
      signal,
      timeoutMs: request.timeoutMs,
    }));
  const options = { tool: "confirm", timeoutMs: 5_000, signal: new AbortController().signal };
  const call = pending.open(recordingDownstream("alice"), options);
  const work = (async () => {
    const answer = await call.ask({ method: "elicitation/create" }, new AbortController().signal);
    call.progress({ progress: 1, message: "answered" });
    return { content: [{ type: "text", text: JSON.stringify(answer) }] };
  })();
  const parked = await pending.settle(call, work, options) as { requestState: string };
  const state = readRelayState(parked.requestState, "confirm");
  assert.equal(state.kind === "parked" && state.instance, holder.instance);
  return (state as { id: string }).id;
}

const RESUME = { upstream: "up", tool: "confirm", timeoutMs: 5_000 };

redisTest("resume() runs the retry on the holder: progress first, then the result", async () => {
  await using pair = await openPair(testPrefix("parked-peers"));
  const id = await parkOne(pair.holder);
  const client = recordingDownstream("alice", {
    progressToken: "t1",
    inputResponses: { "elicitation-1": { action: "accept", content: { ok: true } } },
  });
  const result = await pair.asker.resume(
    pair.holder.instance,
    { ...RESUME, id },
    client,
    new AbortController().signal,
  );
  assert.deepEqual(result, {
    content: [{ type: "text", text: '{"action":"accept","content":{"ok":true}}' }],
  });
  assert.deepEqual(client.sent, [{
    method: "notifications/progress",
    params: { progress: 1, message: "answered", progressToken: "t1" },
  }]);
});

redisTest("resume() of another principal's parked call is refused like an unknown id", async () => {
  await using pair = await openPair(testPrefix("parked-peers"));
  const id = await parkOne(pair.holder);
  for (const [who, which] of [["bob", id], ["alice", crypto.randomUUID()]] as const) {
    await assert.rejects(
      pair.asker.resume(
        pair.holder.instance,
        { ...RESUME, id: which },
        recordingDownstream(who),
        new AbortController().signal,
      ),
      (error) => {
        assert.ok(isGatewayError(error));
        assert.equal(error.code, "INVALID_PARAMS");
        assert.match(error.message, /no longer waiting for input/);
        return true;
      },
    );
  }
});

redisTest("the holder's errors arrive as raised there: relayed answers and SDK codes", async () => {
  await using pair = await openPair(testPrefix("parked-peers"));
  const relayed = { code: -32000, message: "nope", data: { why: "upstream" } };
  const raised = [
    new GatewayError("UPSTREAM_REJECTED", "Upstream answered", { relayed }),
    Object.assign(new Error("Request timed out"), { code: "REQUEST_TIMEOUT" }),
  ];
  let next = 0;
  pair.holder.serve("up", () => Promise.reject(raised[next++]));
  const resume = () =>
    pair.asker.resume(
      pair.holder.instance,
      { ...RESUME, id: "x" },
      recordingDownstream("alice"),
      new AbortController().signal,
    );
  await assert.rejects(resume(), (error) => {
    assert.ok(isGatewayError(error));
    assert.deepEqual([error.code, error.relayed], ["UPSTREAM_REJECTED", relayed]);
    return true;
  });
  await assert.rejects(resume(), (error) => {
    assert.ok(!isGatewayError(error));
    assert.equal((error as { code?: unknown }).code, "REQUEST_TIMEOUT");
    assert.match(String(error), /Request timed out/);
    return true;
  });
});

redisTest("cancelling the retry aborts the resumed call on the holder", async () => {
  await using pair = await openPair(testPrefix("parked-peers"));
  const reasons: unknown[] = [];
  let started = false;
  pair.holder.serve("up", (_request, _standIn, signal) => {
    started = true;
    return new Promise((_resolve, reject) =>
      signal.addEventListener("abort", () => {
        reasons.push(signal.reason);
        reject(signal.reason);
      }, { once: true })
    );
  });
  const controller = new AbortController();
  const call = pair.asker.resume(
    pair.holder.instance,
    { ...RESUME, id: "x" },
    recordingDownstream("alice"),
    controller.signal,
  );
  assert.ok(await waitUntil(() => started, 5_000), "the holder never started the call");
  controller.abort(new GatewayError("CANCELLED", "client went away"));
  await assert.rejects(call, /client went away/);
  assert.ok(await waitUntil(() => reasons.length === 1, 5_000), "the holder saw no cancel");
  assert.ok(isGatewayError(reasons[0]) && reasons[0].code === "CANCELLED");
  // A retry whose client is already gone is not sent at all.
  const gone = AbortSignal.abort(new GatewayError("CANCELLED", "already gone"));
  await assert.rejects(
    pair.asker.resume(
      pair.holder.instance,
      { ...RESUME, id: "x" },
      recordingDownstream("alice"),
      gone,
    ),
    /already gone/,
  );
  assert.equal(reasons.length, 1);
});

redisTest(
  "a holder that is gone, or stops answering mid-call, fails the retry as lost",
  async () => {
    const prefix = testPrefix("parked-peers");
    await using pair = await openPair(prefix, 50);
    let started = false;
    pair.holder.serve("up", () => {
      started = true;
      return new Promise(() => {});
    });
    const mid = pair.asker.resume(
      pair.holder.instance,
      { ...RESUME, id: "x" },
      recordingDownstream("alice"),
      new AbortController().signal,
    );
    assert.ok(await waitUntil(() => started, 5_000), "the holder never started the call");
    pair.holder.close();
    const lost = (error: unknown) => {
      assert.ok(isGatewayError(error));
      assert.equal(error.code, "INVALID_PARAMS");
      assert.match(
        error.message,
        /lost with the gateway instance that held it; call the tool again/,
      );
      return true;
    };
    await assert.rejects(mid, lost);
    await subscribed(pair.redis, prefix, pair.holder, 0);
    const after = pair.asker.resume(
      pair.holder.instance,
      { ...RESUME, id: "x" },
      recordingDownstream("alice"),
      new AbortController().signal,
    );
    await assert.rejects(after, lost);
  },
);
