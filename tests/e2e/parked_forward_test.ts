/**
 * A retry forwarded to the instance holding its parked call spends nothing of the instance it
 * landed on: two real gateway processes sharing the store and a Redis prefix, each supervising its
 * own 2025-only stdio upstreams (the relay fixture). B starts no per-client child of the caller
 * for a forwarded retry; with B's one call slot held (`maxConcurrent: 1`, `queue: 0`) the
 * forwarded `tools/call`, `prompts/get` and `resources/read` retries still complete; with B's
 * circuit open the forwarded retry completes and B's circuit stays as it was.
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import type { Client } from "@modelcontextprotocol/client";
import { bearerFetch, createClientKey } from "../_support/auth_fixtures.ts";
import { connect, createGatewayToolsDir, type Gateway, startGateway } from "../_support/gateway.ts";
import { openTestRedis, redisTest, testPrefix } from "../_support/redis.ts";
import { clusterEnv, parkedChannelReady } from "../_support/cross_instance.ts";
import { CONFIRMED_URIS } from "../_support/relay_fixture_server.ts";

const FIXTURE = fileURLToPath(new URL("../_support/relay_fixture_server.ts", import.meta.url));
const MODERN = "2026-07-28";
const ANSWER = { action: "accept", content: { ok: true } };
const STDIO = `stdio:
      command: ${JSON.stringify(Deno.execPath())}
      args: ["run", "--quiet", "--no-prompt", "--allow-env", ${JSON.stringify(FIXTURE)}, legacy]`;

// Why three upstreams: `pc` one child per caller, `old` one call slot and no queue (it alone
// serves the fixture's resource), `brk` a short timeout and a circuit that opens at one failure.
const TOOLS_YAML = `upstreams:
  - name: pc
    perClient: true
    resources: { deny: ["*"] }
    ${STDIO}
  - name: old
    maxConcurrent: 1
    queue: 0
    ${STDIO}
  - name: brk
    timeout: 2s
    breaker: { failures: 1, resetAfter: 5m }
    resources: { deny: ["*"] }
    ${STDIO}
`;

type Outcome = {
  resultType?: string;
  inputRequests?: Record<string, unknown>;
  requestState?: string;
  content?: Array<{ text?: string }>;
  isError?: boolean;
  messages?: Array<{ content: { text?: string } }>;
  contents?: Array<{ text?: string }>;
};

/** One request, first (no retry fields) or a retry answering `key` with `state`. */
async function send(
  client: Client,
  method: "tools/call" | "prompts/get" | "resources/read",
  params: Record<string, unknown>,
  retry?: { key: string; state: string },
): Promise<Outcome> {
  return await client.request({
    method,
    params: {
      ...params,
      ...(retry ? { inputResponses: { [retry.key]: ANSWER }, requestState: retry.state } : {}),
    },
  } as never, { allowInputRequired: true, timeout: 20_000 } as never) as Outcome;
}

/** Asks on `first`, answers on `second`: the retry lands on another instance than the call. */
async function acrossInstances(
  first: Client,
  second: Client,
  method: "tools/call" | "prompts/get" | "resources/read",
  params: Record<string, unknown>,
): Promise<Outcome> {
  const asked = await send(first, method, params);
  assert.equal(asked.resultType, "input_required", JSON.stringify(asked));
  const [key] = Object.keys(asked.inputRequests ?? {});
  assert.ok(key !== undefined && typeof asked.requestState === "string");
  return await send(second, method, params, { key, state: asked.requestState });
}

function toolText(outcome: Outcome): string {
  return (outcome.content ?? []).map((block) => block.text ?? "").join("");
}

/** One upstream as `GET /admin/upstreams` of `gateway` shows it. */
async function adminView(
  gateway: Gateway,
  admin: string,
  name: string,
): Promise<{ children?: number; circuit: string }> {
  const response = await fetch(`${gateway.url}/admin/upstreams`, {
    headers: { authorization: `Bearer ${admin}` },
  });
  const body = await response.json();
  assert.equal(response.status, 200, JSON.stringify(body));
  type View = { name: string; children?: number; circuit: string };
  const view = (body.upstreams as View[]).find((item) => item.name === name);
  assert.ok(view, JSON.stringify(body));
  return view;
}

/** Calls `tool` on `client` until it fails (an `isError` result) saying `pattern`. */
async function untilRefused(client: Client, tool: string, pattern: RegExp): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const result = await client.callTool({ name: tool, arguments: { steps: 1 } }) as Outcome;
    if (result.isError === true && pattern.test(toolText(result))) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  assert.fail(`${tool} was never refused with ${pattern}`);
}

redisTest(
  "a forwarded retry takes no slot, breaker or client of the instance it landed on",
  async (t) => {
    const prefix = testPrefix("parked-forward");
    await using _cleanup = openTestRedis(prefix);
    const dataDir = await Deno.makeTempDir({ prefix: "nexus-e2e-parked-forward-" });
    try {
      const [alice, bob, admin] = await Promise.all([
        createClientKey("alice", { NEXUS_DATA_DIR: dataDir }),
        createClientKey("bob", { NEXUS_DATA_DIR: dataDir }),
        createClientKey("ops", { NEXUS_DATA_DIR: dataDir }, ["--admin"]),
      ]);
      const env = clusterEnv({ prefix, dataDir });
      await using tools = await createGatewayToolsDir({ "fwd.yaml": TOOLS_YAML });
      await using a = await startGateway({ toolsDir: tools.dir, env });
      await using b = await startGateway({ toolsDir: tools.dir, env });
      await Promise.all([parkedChannelReady(a), parkedChannelReady(b)]);
      const options = (key: string) => ({
        fetch: bearerFetch(key),
        client: { capabilities: { elicitation: { form: {} } } },
      });
      await using aliceA = await connect(MODERN, a.mcpUrl, options(alice));
      await using aliceB = await connect(MODERN, b.mcpUrl, options(alice));
      await using bobB = await connect(MODERN, b.mcpUrl, options(bob));

      await t.step("B starts no per-client child of the caller for a forwarded retry", async () => {
        const result = await acrossInstances(aliceA, aliceB, "tools/call", { name: "pc_confirm" });
        assert.equal(toolText(result), 'answer: accept {"ok":true}');
        assert.equal((await adminView(a, admin, "pc")).children, 1, "A runs alice's child");
        assert.equal((await adminView(b, admin, "pc")).children, 0, "B started a child to forward");
      });

      await t.step(
        "B's one call slot held: forwarded tool, prompt and read retries complete",
        async () => {
          const hold = new AbortController();
          const held = bobB.callTool({ name: "old_wait", arguments: {} }, { signal: hold.signal })
            .catch(() => {});
          try {
            await untilRefused(aliceB, "old_progress", /busy: 1 calls in flight/);
            const call = await acrossInstances(aliceA, aliceB, "tools/call", {
              name: "old_confirm",
            });
            assert.equal(toolText(call), 'answer: accept {"ok":true}');
            const prompt = await acrossInstances(aliceA, aliceB, "prompts/get", {
              name: "old_confirmed",
            });
            assert.equal(prompt.messages?.[0]?.content.text, 'prompt answer: accept {"ok":true}');
            const read = await acrossInstances(aliceA, aliceB, "resources/read", {
              uri: CONFIRMED_URIS.stdio,
            });
            assert.equal(read.contents?.[0]?.text, 'resource answer: accept {"ok":true}');
          } finally {
            hold.abort();
            await held;
          }
        },
      );

      await t.step(
        "B's circuit open: the forwarded retry completes, the circuit stays open",
        async () => {
          // A call on B that outlives the 2 s timeout: one failure opens B's circuit.
          const timedOut = await aliceB.callTool({ name: "brk_wait", arguments: {} }) as Outcome;
          assert.equal(timedOut.isError, true);
          assert.match(toolText(timedOut), /within 2000 ms/);
          assert.equal((await adminView(b, admin, "brk")).circuit, "open");
          const result = await acrossInstances(aliceA, aliceB, "tools/call", {
            name: "brk_confirm",
          });
          assert.equal(toolText(result), 'answer: accept {"ok":true}');
          assert.equal((await adminView(b, admin, "brk")).circuit, "open");
          assert.equal((await adminView(a, admin, "brk")).circuit, "closed");
        },
      );
    } finally {
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    }
  },
);
