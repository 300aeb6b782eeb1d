/**
 * Admission control on a real gateway subprocess: with `NEXUS_MAX_INFLIGHT=2` and
 * `NEXUS_QUEUE_MAX=1`, six concurrent slow calls give three answers and three 503 `OVERLOADED`
 * with `Retry-After`; `/metrics` counts the shed ones, `/healthz` answers throughout. And the
 * default bound follows the V8 heap limit (`DENO_V8_FLAGS=--max-old-space-size=…`).
 */

import assert from "node:assert/strict";
import { createClientKey } from "../_support/auth_fixtures.ts";
import {
  createGatewayToolsDir,
  type Gateway,
  rpcBody,
  rpcHeaders,
  startGateway,
} from "../_support/gateway.ts";
import { ERROR_TABLE } from "../../lib/errors.ts";
import { SLOW_TOOL } from "../_support/slow_tool.ts";

const ERA = "2026-07-28";

function printFigure(line: string): void {
  Deno.stdout.writeSync(new TextEncoder().encode(`${line}\n`));
}

function callSlow(gateway: Gateway, id: number, ms: number): Promise<Response> {
  const message = {
    id,
    method: "tools/call",
    params: { name: "slow_echo", arguments: { text: `call ${id}`, ms } },
  };
  return fetch(gateway.mcpUrl, {
    method: "POST",
    headers: rpcHeaders(ERA, message),
    body: JSON.stringify(rpcBody(ERA, message)),
  });
}

async function readyLoad(gateway: Gateway): Promise<Record<string, number>> {
  const response = await fetch(`${gateway.url}/readyz`);
  const body = await response.json();
  assert.equal(typeof body.load, "object", `/readyz reports load: ${JSON.stringify(body)}`);
  return body.load;
}

Deno.test("MAX_INFLIGHT=2, QUEUE_MAX=1: of six concurrent slow calls three are served and three shed with 503", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "nexus-e2e-admission-" });
  const env = {
    NEXUS_DATA_DIR: dataDir,
    NEXUS_MAX_INFLIGHT: "2",
    NEXUS_QUEUE_MAX: "1",
    NEXUS_QUEUE_TIMEOUT_MS: "30000",
    // Why: the six calls come from one client; its share must not be the bound under test here.
    NEXUS_MAX_INFLIGHT_PER_CLIENT: "6",
  };
  const adminKey = await createClientKey("prometheus", env, ["--admin"]);
  await using tools = await createGatewayToolsDir({ "slow.ts": SLOW_TOOL });
  await using gateway = await startGateway({ toolsDir: tools.dir, env });
  const started = performance.now();
  // Why 3 s: long enough that all six requests reach the gateway while the first two still run.
  const calls = Array.from({ length: 6 }, (_, index) => callSlow(gateway, index + 1, 3_000));
  const health = await fetch(`${gateway.url}/healthz`);
  assert.equal(health.status, 200, "health probes are not admitted through the gate");
  await health.body?.cancel();
  const responses = await Promise.all(calls);
  printFigure(`admission e2e: six calls answered in ${Math.round(performance.now() - started)} ms`);
  const served: string[] = [];
  let shed = 0;
  for (const response of responses) {
    if (response.status === 503) {
      shed++;
      assert.equal(response.headers.get("retry-after"), "30");
      const body = await response.json();
      assert.equal(body.error.code, ERROR_TABLE.OVERLOADED.jsonRpc);
      assert.equal(body.error.data.retryAfterMs, 30_000);
      assert.match(body.error.message, /overloaded \(queue full\)/);
      continue;
    }
    assert.equal(response.status, 200, await response.clone().text());
    const text = await response.text();
    const match = /"text":"(call \d)"/.exec(text);
    assert.ok(match, `a tool result: ${text}`);
    served.push(match[1]!);
  }
  assert.equal(served.length, 3, `served: ${served.join(", ")}`);
  assert.equal(shed, 3);

  const after = await fetch(`${gateway.url}/healthz`);
  assert.equal(after.status, 200, "the gateway stays healthy");
  await after.body?.cancel();
  const load = await readyLoad(gateway);
  assert.deepEqual(
    { ...load },
    {
      maxInflight: 2,
      queueMax: 1,
      queueTimeoutMs: 30_000,
      maxInflightPerClient: 6,
      shedUnreadyMs: 5_000,
      inflight: 0,
      queued: 0,
      shed: 3,
      clientCapped: 0,
      clients: 0,
    },
  );
  const scrape = await fetch(`${gateway.url}/metrics`, {
    headers: { authorization: `Bearer ${adminKey}` },
  });
  assert.equal(scrape.status, 200);
  const text = await scrape.text();
  assert.match(text, /^nexus_calls_shed_total 3$/m);
  assert.match(text, /^nexus_calls_in_flight 0$/m);
  assert.match(text, /^nexus_calls_queued 0$/m);
  assert.match(text, /^nexus_calls_max_in_flight 2$/m);

  const again = await callSlow(gateway, 7, 0);
  assert.equal(again.status, 200, "calls are served again once the load is gone");
  await again.body?.cancel();
});

Deno.test("the default NEXUS_MAX_INFLIGHT follows the V8 heap limit (--max-old-space-size)", async () => {
  await using tools = await createGatewayToolsDir();
  const bounds: number[] = [];
  for (const heapMb of [200, 2048]) {
    await using gateway = await startGateway({
      toolsDir: tools.dir,
      env: { DENO_V8_FLAGS: `--max-old-space-size=${heapMb}` },
    });
    const load = await readyLoad(gateway);
    printFigure(
      `admission e2e: --max-old-space-size=${heapMb} gives maxInflight ${load.maxInflight}, queueMax ${load.queueMax}`,
    );
    assert.equal(load.queueMax, Math.floor(load.maxInflight! / 4));
    bounds.push(load.maxInflight!);
  }
  const [small, large] = bounds as [number, number];
  assert.ok(small < large, `200 MB heap (${small}) bounds lower than 2 GB (${large})`);
  assert.ok(small >= 16 && small <= 600, `a 200 MB heap gets a safe bound: ${small}`);
});
