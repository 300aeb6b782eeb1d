/**
 * `forwardsElsewhere` of a real upstream relay on real parked-call peers (the shared test Redis):
 * true exactly for a retry of this tool's call parked on another instance, which `call` then
 * forwards without ever sending upstream from here.
 */

import assert from "node:assert/strict";
import { isGatewayError } from "../../lib/errors.ts";
import { openParkedPeers } from "../../lib/gateway/parked_peers.ts";
import { silentLogger } from "../../lib/log.ts";
import type { DownstreamCall } from "../../lib/registry/mod.ts";
import { createUpstreamRelay } from "../../lib/upstreams/relay.ts";
import { writeRelayState } from "../../lib/upstreams/relay_state.ts";
import { openTestRedis, redisTest, testPrefix, untilReady } from "../_support/redis.ts";

function retry(requestState?: string): DownstreamCall {
  return {
    era: "modern",
    principalId: "alice",
    notify: () => Promise.resolve(),
    log: () => Promise.resolve(),
    accepts: { elicitation: true, sampling: false, roots: false },
    ...(requestState === undefined ? {} : { requestState }),
  };
}

const parked = (instance?: string, tool = "confirm") =>
  writeRelayState({
    kind: "parked",
    tool,
    id: crypto.randomUUID(),
    ...(instance === undefined ? {} : { instance }),
  });

redisTest(
  "forwardsElsewhere() is true only for this tool's call parked on another instance",
  async () => {
    const prefix = testPrefix("relay-forward");
    await using redis = openTestRedis(prefix);
    await untilReady(redis);
    const peers = openParkedPeers(redis, { prefix, logger: silentLogger })!;
    const relay = createUpstreamRelay("up", { logger: silentLogger, parked: peers });
    const alone = createUpstreamRelay("up", { logger: silentLogger });
    try {
      const other = crypto.randomUUID();
      assert.equal(relay.forwardsElsewhere(retry(parked(other)), "confirm"), true);
      assert.equal(alone.forwardsElsewhere(retry(parked(other)), "confirm"), false, "no peers");
      assert.equal(relay.forwardsElsewhere(retry(parked(peers.instance)), "confirm"), false);
      assert.equal(relay.forwardsElsewhere(retry(parked()), "confirm"), false, "no instance named");
      assert.equal(relay.forwardsElsewhere(retry(parked(other, "other")), "confirm"), false);
      const upstreamState = writeRelayState({ kind: "upstream", tool: "confirm", state: "s" });
      assert.equal(relay.forwardsElsewhere(retry(upstreamState), "confirm"), false);
      assert.equal(relay.forwardsElsewhere(retry("forged"), "confirm"), false);
      assert.equal(relay.forwardsElsewhere(retry(), "confirm"), false);

      // Nobody listens for `other`: the forwarded retry fails as lost, and nothing was sent here.
      let sent = 0;
      const error = await relay.call(
        retry(parked(other)),
        { tool: "confirm", signal: new AbortController().signal, timeoutMs: 5_000 },
        () => Promise.resolve(void sent++),
      ).then(() => assert.fail("the retry must fail"), (error: unknown) => error);
      assert.ok(isGatewayError(error), String(error));
      assert.equal(error.code, "INVALID_PARAMS");
      assert.match(error.message, /lost with the gateway instance/);
      assert.equal(sent, 0);
    } finally {
      relay.close();
      alone.close();
      peers.close();
    }
  },
);
