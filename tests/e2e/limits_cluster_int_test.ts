/**
 * Three real gateway processes sharing Redis: one limit across all of them, and a backend's own
 * 429 pausing every instance.
 */

import assert from "node:assert/strict";
import {
  isRateLimited,
  PATIENT_REDIS_ENV,
  retryAfterOf,
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
  - name: limited_ping
    description: A call limited to 50 per minute across every instance.
    http: { url: /echo/ping, timeout: 5s }
    rateLimit: { perTool: 50/min }
  - name: vendor_call
    description: A call to a vendor that throttles with 429 and Retry-After.
    http: { url: /vendor, timeout: 5s }
`;

redisTest(
  "a 50/min limit across three gateways admits exactly 50 of 200 concurrent calls",
  async () => {
    const upstream = startUpstream();
    const prefix = testPrefix("e2e-limit");
    await using redis = openTestRedis(prefix);
    try {
      await using tools = await upstreamToolsDir(upstream.url, TOOLS);
      await using cluster = await startCluster(3, {
        toolsDir: tools.dir,
        env: { NEXUS_REDIS_URL: REDIS_TEST_URL, NEXUS_REDIS_PREFIX: prefix, ...PATIENT_REDIS_ENV },
      });
      const outcomes = await Promise.all(
        Array.from({ length: 200 }, (_, i) => cluster.call(i, "limited_ping")),
      );
      const limited = outcomes.filter(isRateLimited);
      const admitted = outcomes.filter((o) => !isRateLimited(o));
      assert.equal(admitted.length, 50);
      assert.equal(limited.length, 150);
      assert.equal(upstream.hits("/echo/ping"), 50);
      for (const denial of limited) {
        const retry = retryAfterOf(denial)!;
        assert.ok(retry > 0 && retry <= 66_000, `retryAfterMs ${retry}`);
        assert.match(
          denial.message,
          /Rate limit exceeded for tool "limited_ping": perTool 50\/min/,
        );
      }
    } finally {
      await deleteKeys(redis, prefix);
      await upstream.close();
    }
  },
);

redisTest(
  "a backend's 429 with Retry-After: 2 stops all three gateways calling it for 2 s",
  async () => {
    let throttledAt: number | undefined;
    const upstream = startUpstream({
      routes: {
        "/vendor": () => {
          if (throttledAt !== undefined) return Response.json({ served: true });
          throttledAt = Date.now();
          return new Response("quota exceeded", { status: 429, headers: { "retry-after": "2" } });
        },
      },
    });
    const prefix = testPrefix("e2e-quota");
    await using redis = openTestRedis(prefix);
    try {
      await using tools = await upstreamToolsDir(upstream.url, TOOLS);
      await using cluster = await startCluster(3, {
        toolsDir: tools.dir,
        env: { NEXUS_REDIS_URL: REDIS_TEST_URL, NEXUS_REDIS_PREFIX: prefix, ...PATIENT_REDIS_ENV },
      });
      const first = await cluster.call(0, "vendor_call");
      assert.ok(!isRateLimited(first) && "isError" in first && first.isError, "the 429 itself");
      // Every instance holds its calls while the pause lasts; none reaches the vendor.
      let probes = 0;
      while (Date.now() - throttledAt! < 1700) {
        const outcomes = await Promise.all([0, 1, 2].map((i) => cluster.call(i, "vendor_call")));
        for (const outcome of outcomes) {
          assert.ok(isRateLimited(outcome), JSON.stringify(outcome));
          const retry = retryAfterOf(outcome)!;
          assert.ok(retry > 0 && retry <= 2000, `retryAfterMs ${retry}`);
        }
        probes += 3;
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
      assert.ok(probes >= 9);
      assert.equal(upstream.hits("/vendor"), 1);
      await new Promise((resolve) =>
        setTimeout(resolve, Math.max(0, throttledAt! + 2100 - Date.now()))
      );
      const resumed = await cluster.call(2, "vendor_call");
      assert.ok(!isRateLimited(resumed) && !("isError" in resumed && resumed.isError));
      assert.equal(upstream.hits("/vendor"), 2);
    } finally {
      await deleteKeys(redis, prefix);
      await upstream.close();
    }
  },
);
