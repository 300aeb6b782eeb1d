import { createRedisCacheStore, openRedis } from "../../lib/store/mod.ts";
import { silentLogger } from "../../lib/log.ts";
import {
  deleteKeys,
  REDIS_TEST_URL,
  redisTest,
  testPrefix,
  untilReady,
} from "../_support/redis.ts";
import { cacheContract } from "./_contract.ts";

// Each simulated instance has its own connections, as separate gateway processes would.
cacheContract("redis", redisTest, async (instances) => {
  const prefix = testPrefix("flight");
  const connections = Array.from(
    { length: instances },
    () => openRedis(REDIS_TEST_URL, { logger: silentLogger, timeoutMs: 2000 }),
  );
  await Promise.all(connections.map((redis) => untilReady(redis)));
  // Why: the subscriber connection opens alongside; give it the same head start.
  await new Promise((resolve) => setTimeout(resolve, 50));
  return {
    stores: connections.map((redis) => createRedisCacheStore(redis, { prefix })),
    async [Symbol.asyncDispose]() {
      await deleteKeys(connections[0]!, prefix);
      await Promise.all(connections.map((redis) => redis.close()));
    },
  };
});
