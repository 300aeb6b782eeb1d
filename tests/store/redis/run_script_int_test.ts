import assert from "node:assert/strict";
import { silentLogger } from "../../../lib/log.ts";
import { openRedis } from "../../../lib/store/mod.ts";
import { defineScript, runScript } from "../../../lib/store/redis/run_script.ts";
import { redisServerTest, startRedisServer, untilReady } from "../../_support/redis.ts";

// A private redis-server: SCRIPT FLUSH and command stats must not touch the shared one.
redisServerTest(
  "runScript() reloads a script Redis no longer has (NOSCRIPT fallback)",
  async () => {
    await using server = await startRedisServer();
    const redis = openRedis(server.url, { logger: silentLogger, timeoutMs: 1000 });
    try {
      await untilReady(redis);
      const script = defineScript("concat", "return ARGV[1] .. KEYS[1]");
      const run = (keys: string[], args: string[]) => runScript(redis, script, keys, args);
      assert.deepEqual(await redis.command(["SCRIPT", "EXISTS", script.sha]), [0]);
      assert.equal(await run(["k"], ["a-"]), "a-k");
      assert.deepEqual(await redis.command(["SCRIPT", "EXISTS", script.sha]), [1]);
      assert.equal(await run(["k"], ["b-"]), "b-k");
      await redis.command(["SCRIPT", "FLUSH"]);
      assert.equal(await run(["k"], ["c-"]), "c-k");
      const stats = await redis.command(["INFO", "commandstats"]) as string;
      assert.match(stats, /cmdstat_evalsha:calls=3,/);
      assert.match(stats, /cmdstat_eval:calls=2,/);
    } finally {
      await redis.close();
    }
  },
);
