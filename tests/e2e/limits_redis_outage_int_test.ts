/**
 * Redis stopped mid-run (a private redis-server, never the shared one): calls keep working per
 * policy (cache bypassed, fail-closed limits deny, fail-open limits admit), each component logs
 * the outage once, and everything recovers when Redis returns.
 */

import assert from "node:assert/strict";
import {
  isRateLimited,
  logCount,
  type Outcome,
  startCluster,
  upstreamToolsDir,
} from "../_support/cluster.ts";
import { waitUntil } from "../_support/gateway.ts";
import { redisServerTest, startRedisServer } from "../_support/redis.ts";
import { startUpstream } from "../_support/upstream_server.ts";

const TOOLS = `
  - name: cached_lookup
    description: Cached; bypassed while Redis is down.
    annotations: { readOnlyHint: true }
    http: { url: /echo/cached, timeout: 5s }
    cache: { ttl: 30s }
  - name: guarded
    description: Limited per client; fails closed (the default).
    http: { url: /echo/guarded, timeout: 5s }
    rateLimit: { perClient: 1000/min }
  - name: best_effort
    description: Limited per host; configured to fail open.
    http: { url: /echo/open, timeout: 5s }
    rateLimit: { perHost: 1000/min }
`;

const ok = (outcome: Outcome) =>
  !isRateLimited(outcome) && "content" in outcome && !outcome.isError;

redisServerTest(
  "calls follow the failure policy while Redis is down and recover when it returns",
  async () => {
    await using redis = await startRedisServer();
    const upstream = startUpstream();
    try {
      await using tools = await upstreamToolsDir(upstream.url, TOOLS);
      await using cluster = await startCluster(2, {
        toolsDir: tools.dir,
        env: {
          NEXUS_REDIS_URL: redis.url,
          NEXUS_REDIS_PREFIX: "outage",
          NEXUS_RATE_LIMIT_FAIL_OPEN: "perHost",
          NEXUS_REDIS_TIMEOUT_MS: "1000",
        },
      });
      assert.ok(ok(await cluster.call(0, "cached_lookup")));
      assert.ok(ok(await cluster.call(1, "cached_lookup")));
      assert.equal(upstream.hits("/echo/cached"), 1, "cached across instances while Redis is up");

      await redis.stop();
      for (let round = 0; round < 3; round++) {
        for (const i of [0, 1]) {
          assert.ok(ok(await cluster.call(i, "cached_lookup")), "the cache is bypassed");
          const denied = await cluster.call(i, "guarded");
          assert.ok(isRateLimited(denied), "a fail-closed limit denies");
          assert.match(denied.message, /limit state unavailable/);
          assert.ok(ok(await cluster.call(i, "best_effort")), "a fail-open limit admits");
        }
      }
      assert.equal(upstream.hits("/echo/cached"), 7);
      assert.equal(upstream.hits("/echo/guarded"), 0);
      for (const { gateway } of cluster.members) {
        const fallbacks = "Redis unavailable: falling back";
        assert.equal(logCount(gateway, fallbacks, { component: "cache" }), 1, "logged once");
        assert.equal(logCount(gateway, fallbacks, { component: "limits" }), 1, "logged once");
      }

      await redis.start();
      let recovered = false;
      for (const i of [0, 1]) {
        const deadline = Date.now() + 10_000;
        while (Date.now() < deadline && !(recovered = ok(await cluster.call(i, "guarded")))) {
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        assert.ok(recovered, `instance ${i} recovered`);
      }
      const hitsBefore = upstream.hits("/echo/cached");
      assert.ok(ok(await cluster.call(0, "cached_lookup")));
      assert.ok(ok(await cluster.call(1, "cached_lookup")));
      assert.equal(upstream.hits("/echo/cached"), hitsBefore + 1, "cached again, across instances");
      for (const { gateway } of cluster.members) {
        assert.ok(await waitUntil(() => logCount(gateway, "Redis available again") >= 2, 2000));
      }
    } finally {
      await upstream.close();
    }
  },
);
