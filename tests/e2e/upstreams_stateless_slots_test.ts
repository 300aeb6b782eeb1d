/**
 * A stateless 2025 call of a federated tool holds its admission slot until its SSE answer ends,
 * then frees it: the slot is released by the SDK server's close (`lib/mcp/stateless_cancel.ts`),
 * not by a wrapper around the answer. With two slots and a short queue wait, calls one after
 * another all succeed, and after one cancelled by its client `/readyz` comes back to 0 in flight.
 */

import assert from "node:assert/strict";
import { bearerFetch, createClientKey } from "../_support/auth_fixtures.ts";
import {
  createGatewayToolsDir,
  rpcBody,
  rpcHeaders,
  startGateway,
  waitUntil,
} from "../_support/gateway.ts";
import { startRelayUpstream } from "../_support/relay_fixture_server.ts";

const LEGACY = "2025-11-25";

/** The JSON-RPC answer among an SSE body's messages (a relayed log message comes first). */
async function answerOf(response: Response): Promise<Record<string, unknown>> {
  const text = await response.text();
  const messages = text.split("\n").filter((line) => line.startsWith("data: "))
    .map((line) => JSON.parse(line.slice("data: ".length)) as Record<string, unknown>);
  const answer = messages.find((message) => "id" in message);
  assert.ok(answer, `no answer in the SSE body: ${text}`);
  return answer;
}

Deno.test("stateless 2025 federated calls free their one admission slot when the answer ends", async () => {
  await using upstream = startRelayUpstream();
  const dataDir = await Deno.makeTempDir({ prefix: "nexus-e2e-stateless-slots-" });
  try {
    const env = {
      NEXUS_DATA_DIR: dataDir,
      // Why two: the cancellation is a POST of its own, which needs a slot beside the call's.
      NEXUS_MAX_INFLIGHT: "2",
      NEXUS_QUEUE_MAX: "1",
      NEXUS_QUEUE_TIMEOUT_MS: "3000",
      NEXUS_MAX_INFLIGHT_PER_CLIENT: "2",
    };
    const key = await createClientKey("alice", env);
    await using tools = await createGatewayToolsDir({
      "relay.yaml": `upstreams:\n  - name: rl\n    url: ${upstream.url}\n`,
    });
    await using gateway = await startGateway({ toolsDir: tools.dir, env });
    const post = bearerFetch(key);
    const send = (message: { id: number; method: string; params?: Record<string, unknown> }) =>
      post(gateway.mcpUrl, {
        method: "POST",
        headers: rpcHeaders(LEGACY, message),
        body: JSON.stringify(rpcBody(LEGACY, message)),
      });

    for (let id = 1; id <= 4; id++) {
      const response = await send({
        id,
        method: "tools/call",
        params: { name: "rl_log", arguments: { text: `call ${id}` } },
      });
      assert.equal(response.status, 200, `call ${id} was admitted`);
      assert.match(response.headers.get("content-type") ?? "", /text\/event-stream/);
      const answer = await answerOf(response);
      assert.equal(answer.id, id);
      assert.ok("result" in answer, `call ${id} answered: ${JSON.stringify(answer)}`);
    }

    const waits = upstream.waits();
    const waiting = send({ id: 9, method: "tools/call", params: { name: "rl_wait" } });
    assert.ok(await waitUntil(() => upstream.waits() > waits), "the call reached the upstream");
    const cancelled = { method: "notifications/cancelled", params: { requestId: 9 } };
    const cancel = await post(gateway.mcpUrl, {
      method: "POST",
      headers: rpcHeaders(LEGACY, cancelled),
      body: JSON.stringify({ jsonrpc: "2.0", ...cancelled }),
    });
    await cancel.body?.cancel();
    assert.equal(cancel.status, 202);
    await (await waiting).text();

    const after = await send({
      id: 10,
      method: "tools/call",
      params: { name: "rl_log", arguments: { text: "after the cancel" } },
    });
    assert.equal(after.status, 200, "the cancelled call freed its slot");
    assert.equal((await answerOf(after)).id, 10);

    let inflight: unknown;
    const freed = async () => {
      inflight = (await (await fetch(`${gateway.url}/readyz`)).json()).load?.inflight;
      return inflight === 0;
    };
    const deadline = Date.now() + 5_000;
    while (!await freed() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(inflight, 0, "no slot is still held");
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
