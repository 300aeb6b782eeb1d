/**
 * Per-client fairness and shedding readiness on a real gateway subprocess: a greedy client with
 * many concurrent slow calls holds only its share (`NEXUS_MAX_INFLIGHT_PER_CLIENT`, half of
 * `NEXUS_MAX_INFLIGHT` by default) and a second client is still served; `/readyz` turns unready
 * while the instance sheds and ready again after `NEXUS_SHED_UNREADY_MS`.
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

function callSlow(
  gateway: Gateway,
  call: { id: number; ms: number; token?: string },
): Promise<Response> {
  const message = {
    id: call.id,
    method: "tools/call",
    params: { name: "slow_echo", arguments: { text: `call ${call.id}`, ms: call.ms } },
  };
  const headers: Record<string, string> = rpcHeaders(ERA, message);
  if (call.token !== undefined) headers.authorization = `Bearer ${call.token}`;
  return fetch(gateway.mcpUrl, {
    method: "POST",
    headers,
    body: JSON.stringify(rpcBody(ERA, message)),
  });
}

interface ReadyBody {
  status: string;
  checks: Record<string, string>;
  load: { inflight: number; [name: string]: number };
}

async function readyz(gateway: Gateway): Promise<{ status: number; body: ReadyBody }> {
  const response = await fetch(`${gateway.url}/readyz`);
  return { status: response.status, body: await response.json() };
}

async function resultText(response: Response): Promise<string> {
  const text = await response.text();
  assert.equal(response.status, 200, text);
  const match = /"text":"(call \d+)"/.exec(text);
  assert.ok(match, `a tool result: ${text}`);
  return match[1]!;
}

Deno.test("a greedy client with 20 concurrent slow calls holds only its share; a second client is served meanwhile", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "nexus-e2e-fairness-" });
  const env = { NEXUS_DATA_DIR: dataDir, NEXUS_MAX_INFLIGHT: "4", NEXUS_QUEUE_MAX: "4" };
  const greedyKey = await createClientKey("greedy", env);
  const politeKey = await createClientKey("polite", env);
  await using tools = await createGatewayToolsDir({ "slow.ts": SLOW_TOOL });
  await using gateway = await startGateway({ toolsDir: tools.dir, env });
  // Why 4 s: the greedy calls still hold their slots while the polite ones are answered.
  const greedy = Array.from(
    { length: 20 },
    (_, index) => callSlow(gateway, { id: index + 1, ms: 4_000, token: greedyKey }),
  );
  const deadline = Date.now() + 15_000;
  while ((await readyz(gateway)).body.load.inflight < 2 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const polite = await Promise.all([
    callSlow(gateway, { id: 101, ms: 0, token: politeKey }),
    callSlow(gateway, { id: 102, ms: 0, token: politeKey }),
  ]);
  assert.deepEqual(await Promise.all(polite.map(resultText)), ["call 101", "call 102"]);
  const during = await readyz(gateway);
  assert.equal(during.status, 200, "a client past its share does not make the instance unready");
  assert.equal(during.body.load.maxInflightPerClient, 2, "half of NEXUS_MAX_INFLIGHT");

  let served = 0;
  let capped = 0;
  for (const response of await Promise.all(greedy)) {
    if (response.status === 200) {
      await resultText(response);
      served++;
      continue;
    }
    assert.equal(response.status, 503);
    const body = await response.json();
    assert.equal(body.error.code, ERROR_TABLE.OVERLOADED.jsonRpc);
    assert.match(body.error.message, /this client's share/);
    capped++;
  }
  assert.equal(served, 2, "the greedy client held its share of two slots");
  assert.equal(capped, 18);
  const after = await readyz(gateway);
  assert.equal(after.body.load.clientCapped, 18);
  assert.equal(after.body.load.shed, 0);
});

Deno.test("/readyz is unready while the instance sheds load and ready again once it stopped", async () => {
  await using tools = await createGatewayToolsDir({ "slow.ts": SLOW_TOOL });
  await using gateway = await startGateway({
    toolsDir: tools.dir,
    env: { NEXUS_MAX_INFLIGHT: "1", NEXUS_QUEUE_MAX: "0", NEXUS_SHED_UNREADY_MS: "2000" },
  });
  assert.equal((await readyz(gateway)).status, 200);
  const slow = callSlow(gateway, { id: 1, ms: 3_000, token: "client-a" });
  const deadline = Date.now() + 15_000;
  while ((await readyz(gateway)).body.load.inflight < 1 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const shed = await callSlow(gateway, { id: 2, ms: 0, token: "client-b" });
  assert.equal(shed.status, 503);
  assert.match((await shed.json()).error.message, /queue full/);
  const unready = await readyz(gateway);
  assert.equal(unready.status, 503, JSON.stringify(unready.body));
  assert.equal(unready.body.status, "unready");
  assert.equal(unready.body.checks.load, "shedding load");
  const health = await fetch(`${gateway.url}/healthz`);
  assert.equal(health.status, 200, "shedding is not unhealthy");
  await health.body?.cancel();
  let ready = unready;
  while (ready.status !== 200 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    ready = await readyz(gateway);
  }
  assert.equal(ready.status, 200, "ready again once nothing was shed for NEXUS_SHED_UNREADY_MS");
  assert.equal(ready.body.checks.load, undefined);
  assert.equal(await resultText(await slow), "call 1");
});
