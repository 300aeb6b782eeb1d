/**
 * Readiness follows the stores: `ready()` and `/readyz` go unready while a private Postgres or a
 * private Redis is stopped, and ready again once it is back (never the shared servers).
 */

import assert from "node:assert/strict";
import { guardSocketFaults } from "../../lib/cli/shutdown.ts";
import { createGateway, type Gateway } from "../../lib/gateway/mod.ts";
import { silentLogger } from "../../lib/log.ts";
import { postgresServerTest, startPostgresServer } from "../_support/postgres.ts";
import { redisServerTest, startRedisServer } from "../_support/redis.ts";
import { testGatewayConfig } from "./_config.ts";

// Why: `nexus serve` and `nexus stdio` install this guard; here the gateway runs in the test's
// process, where a driver's reconnect attempt during the outage (ECONNREFUSED, nobody awaiting
// it) would otherwise fail the module as an uncaught error.
guardSocketFaults(silentLogger);

async function readyz(
  gateway: Gateway,
): Promise<{ status: number; checks: Record<string, string> }> {
  const response = await gateway.fetch(new Request("http://127.0.0.1/readyz"));
  return { status: response.status, checks: (await response.json()).checks };
}

async function untilReady(gateway: Gateway, timeoutMs = 15_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await gateway.ready()).ready) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

postgresServerTest(
  "/readyz goes unready while Postgres is stopped and ready once it is back",
  async () => {
    await using postgres = await startPostgresServer();
    await using setup = await testGatewayConfig({ NEXUS_DATABASE_URL: postgres.url });
    const gateway = await createGateway(setup.config, { logger: silentLogger });
    try {
      assert.deepEqual(await readyz(gateway), {
        status: 200,
        checks: { store: "ok", registry: "ok", gateway: "ok" },
      });
      await postgres.stop();
      const down = await readyz(gateway);
      assert.equal(down.status, 503);
      assert.equal(down.checks.store, "postgres store does not answer");
      assert.equal(down.checks.registry, "ok");
      await postgres.start();
      assert.ok(await untilReady(gateway), "not ready again within 15 s of Postgres coming back");
      assert.equal((await readyz(gateway)).status, 200);
    } finally {
      await gateway.close();
    }
  },
);

redisServerTest(
  "/readyz goes unready while Redis is stopped and ready once it is back",
  async () => {
    await using redis = await startRedisServer();
    await using setup = await testGatewayConfig({
      NEXUS_REDIS_URL: redis.url,
      NEXUS_REDIS_PREFIX: `test:readyz:${crypto.randomUUID().slice(0, 8)}`,
    });
    const gateway = await createGateway(setup.config, { logger: silentLogger });
    try {
      assert.ok(await untilReady(gateway, 5_000), JSON.stringify(await gateway.ready()));
      assert.deepEqual(await readyz(gateway), {
        status: 200,
        checks: { store: "ok", redis: "ok", registry: "ok", gateway: "ok" },
      });
      await redis.stop();
      const down = await readyz(gateway);
      assert.equal(down.status, 503);
      assert.equal(down.checks.redis, "Redis does not answer");
      assert.equal(down.checks.store, "ok");
      await redis.start();
      assert.ok(await untilReady(gateway), "not ready again within 15 s of Redis coming back");
      assert.equal((await readyz(gateway)).status, 200);
    } finally {
      await gateway.close();
    }
  },
);
