/**
 * No stickiness for parked calls: two real gateway processes sharing the master key, the store and
 * a Redis prefix, each supervising its own 2025-only stdio upstream that asks for elicitation.
 * A real SDK v2 2026-07-28 client (manual `input_required` handling) gets `input_required` from
 * instance A and sends its retry to instance B: B forwards it to A over Redis, A answers the
 * waiting upstream request, and the upstream's result (or its next round, whose retry again goes
 * to B) comes back through B, progress included. Another principal's retry on B is refused like an
 * unknown one; the retry cancelled on B cancels the upstream call on A; with A killed, the retry
 * on B fails at once saying the call was lost.
 */

import assert from "node:assert/strict";
import type { Client } from "@modelcontextprotocol/client";
import { bearerFetch, createClientKey } from "../_support/auth_fixtures.ts";
import {
  connect,
  createGatewayToolsDir,
  type Gateway,
  startGateway,
  waitUntil,
} from "../_support/gateway.ts";
import { openTestRedis, redisTest, testPrefix } from "../_support/redis.ts";
import { clusterEnv, parkedChannelReady } from "../_support/cross_instance.ts";
import { oldStdioUpstreamYaml } from "../_support/relay_fixture_server.ts";

const MODERN = "2026-07-28";
const ACCEPT_OK = { action: "accept", content: { ok: true } };

const TOOLS_YAML = `upstreams:
${oldStdioUpstreamYaml()}`;

type Outcome = {
  resultType?: string;
  inputRequests?: Record<string, unknown>;
  requestState?: string;
  content?: Array<{ text?: string }>;
};

function textOf(result: Outcome): string {
  return (result.content ?? []).map((block) => block.text ?? "").join("");
}

/** A 2026-07-28 client of `gateway` as bearer `key`, able to answer elicitations. */
function modernClient(gateway: Gateway, key: string): Promise<Client & AsyncDisposable> {
  return connect(MODERN, gateway.mcpUrl, {
    fetch: bearerFetch(key),
    client: { capabilities: { elicitation: { form: {} } } },
  });
}

/** One `tools/call` leg: the first (no retry fields) or a retry with `answers` and `state`. */
async function leg(
  client: Client,
  tool: string,
  retry?: { answers: Record<string, unknown>; state: string },
  onprogress?: (progress: { progress: number; message?: string }) => void,
): Promise<Outcome> {
  return await client.callTool({
    name: tool,
    arguments: {},
    ...(retry ? { inputResponses: retry.answers, requestState: retry.state } : {}),
  } as never, {
    allowInputRequired: true,
    timeout: 20_000,
    ...(onprogress ? { onprogress } : {}),
  } as never) as Outcome;
}

function assertInputRequired(outcome: Outcome, key: string): string {
  assert.equal(outcome.resultType, "input_required", JSON.stringify(outcome));
  assert.deepEqual(Object.keys(outcome.inputRequests ?? {}), [key]);
  assert.equal(typeof outcome.requestState, "string");
  return outcome.requestState!;
}

redisTest("parked calls: a 2026-07-28 client's retry is served by any instance", async (t) => {
  const prefix = testPrefix("parked");
  await using _cleanup = openTestRedis(prefix);
  const dataDir = await Deno.makeTempDir({ prefix: "nexus-e2e-parked-" });
  try {
    const alice = await createClientKey("alice", { NEXUS_DATA_DIR: dataDir });
    const bob = await createClientKey("bob", { NEXUS_DATA_DIR: dataDir });
    const env = clusterEnv({ prefix, dataDir });
    await using tools = await createGatewayToolsDir({ "old.yaml": TOOLS_YAML });
    await using a = await startGateway({ toolsDir: tools.dir, env });
    await using b = await startGateway({ toolsDir: tools.dir, env });
    await Promise.all([parkedChannelReady(a), parkedChannelReady(b)]);
    await using aliceA = await modernClient(a, alice);
    await using aliceB = await modernClient(b, alice);
    await using bobB = await modernClient(b, bob);

    await t.step("input_required from A, the answer sent to B: the upstream's result", async () => {
      const state = assertInputRequired(await leg(aliceA, "old_confirm"), "elicitation-1");
      const answers = { "elicitation-1": ACCEPT_OK };
      const result = await leg(aliceB, "old_confirm", { answers, state });
      assert.equal(textOf(result), 'answer: accept {"ok":true}');
    });

    await t.step(
      "another principal's retry on B is refused; the owner's then completes",
      async () => {
        const state = assertInputRequired(await leg(aliceA, "old_confirm"), "elicitation-1");
        const answers = { "elicitation-1": ACCEPT_OK };
        await assert.rejects(leg(bobB, "old_confirm", { answers, state }), (error: unknown) => {
          assert.equal((error as { code?: unknown }).code, -32602);
          assert.match(String(error), /no longer waiting for input/);
          return true;
        });
        const result = await leg(aliceB, "old_confirm", { answers, state });
        assert.equal(textOf(result), 'answer: accept {"ok":true}');
      },
    );

    await t.step(
      "two rounds, both retries on B; A's progress reaches the client on B",
      async () => {
        const progress: string[] = [];
        const onprogress = (update: { message?: string }) => progress.push(update.message ?? "");
        const first = await leg(aliceA, "old_confirm_twice", undefined, onprogress);
        const state = assertInputRequired(first, "elicitation-1");
        const second = await leg(aliceB, "old_confirm_twice", {
          answers: { "elicitation-1": ACCEPT_OK },
          state,
        }, onprogress);
        const next = assertInputRequired(second, "elicitation-2");
        const result = await leg(aliceB, "old_confirm_twice", {
          answers: { "elicitation-2": { action: "accept", content: { ok: false } } },
          state: next,
        }, onprogress);
        assert.equal(textOf(result), 'answers: {"ok":true} {"ok":false}');
        assert.deepEqual(progress, ["answered"]);
      },
    );

    await t.step("the retry cancelled on B cancels the resumed upstream call on A", async () => {
      const cancels = () =>
        a.stderrLines().filter((line) => line.includes("fixture cancelled wait")).length;
      const before = cancels();
      const state = assertInputRequired(
        await leg(aliceA, "old_confirm_wait", undefined, () => {}),
        "elicitation-1",
      );
      const controller = new AbortController();
      const retry = aliceB.callTool({
        name: "old_confirm_wait",
        arguments: {},
        inputResponses: { "elicitation-1": ACCEPT_OK },
        requestState: state,
      } as never, {
        allowInputRequired: true,
        signal: controller.signal,
        // Why abort on progress: it says the upstream, on A, is waiting with the answer.
        onprogress: () => controller.abort(),
      } as never);
      await assert.rejects(retry);
      assert.ok(await waitUntil(() => cancels() > before, 10_000), "A's upstream saw no cancel");
    });

    await t.step("A killed: the retry on B fails at once, saying the call was lost", async () => {
      const state = assertInputRequired(await leg(aliceA, "old_confirm"), "elicitation-1");
      a.kill("SIGKILL");
      await a.stop();
      const answers = { "elicitation-1": ACCEPT_OK };
      await assert.rejects(leg(aliceB, "old_confirm", { answers, state }), (error: unknown) => {
        assert.equal((error as { code?: unknown }).code, -32602);
        assert.match(String(error), /lost with the gateway instance that held it/);
        return true;
      });
      // B still serves: a fresh call parks there and completes there.
      const own = assertInputRequired(await leg(aliceB, "old_confirm"), "elicitation-1");
      const result = await leg(aliceB, "old_confirm", { answers, state: own });
      assert.equal(textOf(result), 'answer: accept {"ok":true}');
    });
  } finally {
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
});
