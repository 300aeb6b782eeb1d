/**
 * `createGateway()` in process: `ready()` and `/readyz` report their checks, `close()` is
 * idempotent, and a closing gateway is not ready.
 */

import assert from "node:assert/strict";
import { createGateway } from "../../lib/gateway/mod.ts";
import { createLogger, silentLogger } from "../../lib/log.ts";
import { testGatewayConfig } from "./_config.ts";

Deno.test("ready() checks the store, the registry and the closing state; /readyz shows them", async () => {
  await using setup = await testGatewayConfig();
  const gateway = await createGateway(setup.config, { logger: silentLogger });
  try {
    assert.deepEqual(await gateway.ready(), {
      ready: true,
      checks: { store: "ok", registry: "ok", gateway: "ok" },
    });
    const response = await gateway.fetch(new Request("http://127.0.0.1/readyz"));
    assert.equal(response.status, 200);
    const { load, ...body } = await response.json();
    assert.deepEqual(body, {
      status: "ready",
      checks: { store: "ok", registry: "ok", gateway: "ok" },
      anonymousExposed: false,
    });
    assert.ok(load.maxInflight >= 16, `admission load: ${JSON.stringify(load)}`);
    assert.equal(load.maxInflightPerClient, Math.ceil(load.maxInflight / 2));
    assert.deepEqual({ ...load, maxInflight: 0, queueMax: 0, maxInflightPerClient: 0 }, {
      maxInflight: 0,
      queueMax: 0,
      queueTimeoutMs: 1_000,
      maxInflightPerClient: 0,
      shedUnreadyMs: 5_000,
      inflight: 0,
      queued: 0,
      shed: 0,
      clientCapped: 0,
      clients: 0,
    });
  } finally {
    await gateway.close();
  }
});

Deno.test("close() is idempotent: twice (and concurrently) closes every part once", async () => {
  await using setup = await testGatewayConfig();
  const lines: string[] = [];
  const logger = createLogger({ level: "info", sink: (line) => lines.push(line) });
  const gateway = await createGateway(setup.config, { logger });
  const first = gateway.close();
  const second = gateway.close();
  assert.equal(first, second, "a second close() returns the first close's promise");
  await Promise.all([first, second]);
  await gateway.close();
  const stopped = lines.filter((line) => JSON.parse(line).msg === "Nexus stopped");
  assert.equal(stopped.length, 1, lines.join("\n"));
});

Deno.test("a closing gateway is not ready: /readyz answers 503 naming the gateway check", async () => {
  await using setup = await testGatewayConfig();
  const gateway = await createGateway(setup.config, { logger: silentLogger });
  const closing = gateway.close();
  const readiness = await gateway.ready();
  assert.equal(readiness.ready, false);
  assert.equal(readiness.checks.gateway, "closing");
  await closing;
  const response = await gateway.fetch(new Request("http://127.0.0.1/readyz"));
  assert.equal(response.status, 503);
  const body = await response.json();
  assert.equal(body.status, "unready");
  assert.equal(body.checks.gateway, "closing");
});
