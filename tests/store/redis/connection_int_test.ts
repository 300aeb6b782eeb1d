import assert from "node:assert/strict";
import { silentLogger } from "../../../lib/log.ts";
import { GatewayError } from "../../../lib/errors.ts";
import { openRedis } from "../../../lib/store/mod.ts";
import { redisServerTest, startRedisServer, untilReady } from "../../_support/redis.ts";

async function failure(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof GatewayError);
    return error;
  }
  throw new Error("expected a failure");
}

redisServerTest(
  "command() fails fast while Redis is down and works again when it returns",
  async () => {
    await using server = await startRedisServer();
    const redis = openRedis(server.url, {
      logger: silentLogger,
      timeoutMs: 200,
      maxReconnectDelayMs: 100,
    });
    try {
      await untilReady(redis);
      await server.stop();
      const started = performance.now();
      const error = await failure(redis.command(["PING"]));
      assert.equal(error.code, "UPSTREAM_UNAVAILABLE");
      assert.ok(performance.now() - started < 250, "answered within the command timeout");
      await server.start();
      await untilReady(redis, 5000);
      assert.equal(await redis.command(["PING"]), "PONG");
    } finally {
      await redis.close();
    }
  },
);

redisServerTest("command() gives up on a slow Redis after its timeout", async () => {
  await using server = await startRedisServer();
  const redis = openRedis(server.url, { logger: silentLogger, timeoutMs: 100 });
  const blocker = openRedis(server.url, { logger: silentLogger, timeoutMs: 5000 });
  try {
    await untilReady(redis);
    await untilReady(blocker);
    // A script that keeps this private Redis busy for 400 ms.
    const busy = blocker.command([
      "EVAL",
      "local s = redis.call('TIME') while true do local t = redis.call('TIME') " +
      "if (t[1] - s[1]) * 1000000 + (t[2] - s[2]) > 400000 then break end end return 1",
      "0",
    ]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const started = performance.now();
    const error = await failure(redis.command(["PING"]));
    const waited = performance.now() - started;
    assert.match(error.message, /no reply within 100 ms/);
    assert.ok(waited < 300, `waited ${waited} ms`);
    await busy;
  } finally {
    await redis.close();
    await blocker.close();
  }
});

redisServerTest("subscribe() shares one subscription among listeners of a channel", async () => {
  await using server = await startRedisServer();
  const redis = openRedis(server.url, { logger: silentLogger, timeoutMs: 1000 });
  try {
    await untilReady(redis);
    const heard: string[] = [];
    const first = await redis.subscribe("ch", (m) => heard.push(`1:${m}`));
    const second = await redis.subscribe("ch", (m) => heard.push(`2:${m}`));
    assert.equal(
      await redis.command(["PUBSUB", "NUMSUB", "ch"]).then((r) => (r as [string, number])[1]),
      1,
    );
    await redis.command(["PUBLISH", "ch", "x"]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    first();
    await redis.command(["PUBLISH", "ch", "y"]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    second();
    assert.deepEqual(heard, ["1:x", "2:x", "2:y"]);
  } finally {
    await redis.close();
  }
});
