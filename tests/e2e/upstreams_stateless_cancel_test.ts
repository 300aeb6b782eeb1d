/**
 * A 2025 client served statelessly (no session) cancels a federated call with its own
 * `notifications/cancelled` POST: the gateway (a subprocess) finds the call by principal and
 * JSON-RPC request id among its in-flight requests and the upstream sees the cancellation (a
 * 2026-07-28 HTTP upstream and a 2025 HTTP upstream with sessions, both SDK v2 servers), as when
 * the client goes away. An id
 * that names two calls of the principal in flight cancels neither; another principal's
 * cancellation cancels nothing.
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
import { type RelayUpstream, startRelayUpstream } from "../_support/relay_fixture_server.ts";

const LEGACY = "2025-11-25";

/** One raw stateless 2025 client (a principal's key): calls and cancels by request id. */
function rawLegacy(mcpUrl: string, key: string) {
  const authed = bearerFetch(key);
  const post = (message: Record<string, unknown>, signal?: AbortSignal) =>
    authed(mcpUrl, {
      method: "POST",
      headers: rpcHeaders(LEGACY, message as { method: string }),
      body: JSON.stringify({ jsonrpc: "2.0", ...message }),
      ...(signal === undefined ? {} : { signal }),
    });
  return {
    call(id: number, name: string, signal?: AbortSignal) {
      const message = { id, method: "tools/call", params: { name, arguments: {} } };
      return post(rpcBody(LEGACY, message), signal);
    },
    async cancel(requestId: number) {
      const response = await post({
        method: "notifications/cancelled",
        params: { requestId, reason: "user stopped it" },
      });
      await response.body?.cancel();
      assert.equal(response.status, 202);
    },
  };
}

Deno.test("stateless 2025 cancellation: matched by principal and request id, none if ambiguous", async (t) => {
  await using upstream = startRelayUpstream();
  await using legacyUpstream = startRelayUpstream({ legacySessions: true });
  const dataDir = await Deno.makeTempDir({ prefix: "nexus-e2e-stateless-cancel-" });
  try {
    const env = { NEXUS_DATA_DIR: dataDir };
    const alice = await createClientKey("alice", env);
    const bob = await createClientKey("bob", env);
    await using tools = await createGatewayToolsDir({
      "relay.yaml":
        `upstreams:\n  - name: rl\n    url: ${upstream.url}\n  - name: leg\n    url: ${legacyUpstream.url}\n`,
    });
    await using gateway = await startGateway({ toolsDir: tools.dir, env });
    const asAlice = rawLegacy(gateway.mcpUrl, alice);
    const asBob = rawLegacy(gateway.mcpUrl, bob);

    const cases: Array<[string, RelayUpstream]> = [["rl", upstream], ["leg", legacyUpstream]];
    for (const [prefix, fixture] of cases) {
      await t.step(`${prefix} upstream: the upstream sees the cancellation`, async () => {
        const waits = fixture.waits();
        const cancels = fixture.cancelled().length;
        const answer = asAlice.call(41, `${prefix}_wait`);
        assert.ok(await waitUntil(() => fixture.waits() > waits), "the call reached the upstream");
        await asAlice.cancel(41);
        const seen = await waitUntil(() => fixture.cancelled().length > cancels, 5_000);
        assert.ok(seen, "the upstream never saw the cancellation");
        // The client's request ends (the spec lets the server answer or not; it must end).
        const response = await answer;
        await response.body?.cancel();
      });
    }

    await t.step("a client that goes away: the upstream sees the cancellation", async () => {
      const waits = upstream.waits();
      const cancels = upstream.cancelled().length;
      const gone = new AbortController();
      const answer = asAlice.call(51, "rl_wait", gone.signal);
      assert.ok(await waitUntil(() => upstream.waits() > waits), "the call reached the upstream");
      const response = await answer;
      assert.equal(response.status, 200);
      gone.abort();
      await response.body?.cancel().catch(() => {});
      const seen = await waitUntil(() => upstream.cancelled().length > cancels, 5_000);
      assert.ok(seen, "the upstream never saw the cancellation");
    });

    await t.step(
      "an ambiguous id cancels nothing; another principal's id cancels nothing",
      async () => {
        const stop = new AbortController();
        const waits = upstream.waits();
        const cancels = upstream.cancelled().length;
        const twins = [
          asAlice.call(7, "rl_wait", stop.signal),
          asAlice.call(7, "rl_wait", stop.signal),
        ];
        const third = asAlice.call(8, "rl_wait");
        assert.ok(await waitUntil(() => upstream.waits() >= waits + 3), "three calls in flight");
        await asAlice.cancel(7);
        await asBob.cancel(8);
        await asAlice.cancel(8);
        assert.ok(await waitUntil(() => upstream.cancelled().length > cancels, 5_000));
        // Why no check of its body: a server need not answer a cancelled request; it must end.
        await (await third).text();
        assert.equal(
          upstream.cancelled().length,
          cancels + 1,
          "only the unambiguous call of its own principal was cancelled",
        );
        stop.abort();
        await Promise.allSettled(twins);
      },
    );
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
