/**
 * Three real gateway processes sharing Redis: concurrent identical calls spread over them reach
 * the backend exactly once.
 */

import assert from "node:assert/strict";
import {
  isRateLimited,
  logCount,
  PATIENT_REDIS_ENV,
  startCluster,
  upstreamToolsDir,
} from "../_support/cluster.ts";
import {
  deleteKeys,
  openTestRedis,
  REDIS_TEST_URL,
  redisTest,
  testPrefix,
} from "../_support/redis.ts";
import { startUpstream } from "../_support/upstream_server.ts";

const TOOLS = `
  - name: slow_lookup
    description: A slow read-only lookup, cached for 30 s.
    annotations: { readOnlyHint: true }
    http: { url: /sleep/300, timeout: 5s }
    cache: { ttl: 30s }
`;

redisTest(
  "100 concurrent identical calls over three gateways produce exactly 1 backend hit",
  async () => {
    const upstream = startUpstream();
    const prefix = testPrefix("e2e-flight");
    await using redis = openTestRedis(prefix);
    try {
      await using tools = await upstreamToolsDir(upstream.url, TOOLS);
      await using cluster = await startCluster(3, {
        toolsDir: tools.dir,
        env: { NEXUS_REDIS_URL: REDIS_TEST_URL, NEXUS_REDIS_PREFIX: prefix, ...PATIENT_REDIS_ENV },
      });
      const outcomes = await Promise.all(
        Array.from({ length: 100 }, (_, i) => cluster.call(i, "slow_lookup", { q: "PROJ-1" })),
      );
      assert.equal(upstream.hits("/sleep/300"), 1);
      for (const outcome of outcomes) {
        assert.ok(!isRateLimited(outcome) && "content" in outcome, JSON.stringify(outcome));
        assert.deepEqual(outcome.structuredContent, { slept: 300 });
      }
      // Later calls, on any instance, are hits.
      await Promise.all([0, 1, 2].map((i) => cluster.call(i, "slow_lookup", { q: "PROJ-1" })));
      assert.equal(upstream.hits("/sleep/300"), 1);
      const other = await cluster.call(0, "slow_lookup", { q: "PROJ-2" });
      assert.ok("content" in other);
      assert.equal(upstream.hits("/sleep/300"), 2, "other arguments are another entry");
      for (const member of cluster.members) {
        assert.equal(logCount(member.gateway, "Redis unavailable: falling back"), 0);
      }
    } finally {
      await deleteKeys(redis, prefix);
      await upstream.close();
    }
  },
);
