/**
 * The elicitation steps of `tests/e2e/cluster_nginx_test.ts`: a call whose upstream asks the
 * client for input, through nginx, until nginx's access log shows the client's answer served by
 * another instance than the call. For a 2025 client (sealed session) the answer is its own POST;
 * for a 2026-07-28 client it is the retry of a call a 2025 upstream parked (`input_required`),
 * which the instance it reaches forwards to the instance holding the call. Each step returns its
 * figure line.
 */

import assert from "node:assert/strict";
import { bearerFetch } from "./auth_fixtures.ts";
import { loggedRecords, type NginxCluster } from "./cluster_nginx.ts";
import { parkedChannelReady, sessionChannelReady } from "./cross_instance.ts";
import { connect, type Era } from "./gateway.ts";
import { textOf } from "./tool_text.ts";

/** Elicitation calls made at least, and at most while no answer crossed instances. */
const ELICIT_MIN_CALLS = 3;
const ELICIT_MAX_CALLS = 12;

/**
 * Calls `rl_confirm` (a 2026-07-28 upstream, seen by a 2025 client through its session) until an
 * answer POST went to another instance than its call. Why repeat: round robin per nginx worker,
 * with the GET stream and other traffic between, decides where an answer goes.
 */
export async function elicitationAnswerCrossesInstances(cluster: NginxCluster): Promise<string> {
  await Promise.all(cluster.instances.map((instance) => sessionChannelReady(instance.gateway)));
  const { calls, crossed } = await callUntilCrossed(cluster, {
    era: "2025-11-25",
    tool: "rl_confirm",
    label: "elicit",
    answer: { kind: "answer", status: 202 },
  });
  return `elicitation: ${calls} calls, ${crossed} answered through another instance`;
}

/**
 * Calls `leg_confirm` (a 2025-only upstream: the call is parked on the instance that ran it) as a
 * 2026-07-28 client until its retry, carrying the answer, went to another instance than the call.
 */
export async function parkedRetryCrossesInstances(cluster: NginxCluster): Promise<string> {
  await Promise.all(cluster.instances.map((instance) => parkedChannelReady(instance.gateway)));
  const { calls, crossed } = await callUntilCrossed(cluster, {
    era: "2026-07-28",
    tool: "leg_confirm",
    label: "parked",
    answer: { kind: "retry", status: 200 },
  });
  return `parked 2025 calls: ${calls} calls, ${crossed} retried through another instance`;
}

async function callUntilCrossed(
  cluster: NginxCluster,
  options: { era: Era; tool: string; label: string; answer: { kind: string; status: number } },
): Promise<{ calls: number; crossed: number }> {
  const { label, answer } = options;
  let tag = `${label}-connect`;
  await using client = await connect(options.era, cluster.mcpUrl, {
    fetch: (input, init) => {
      const headers = new Headers(init?.headers);
      headers.set("x-call-id", `${tag}-${rpcKind(init?.body)}`);
      return bearerFetch(cluster.keys.client)(input, { ...init, headers });
    },
    client: { capabilities: { elicitation: { form: {} } } },
  });
  let ok = false;
  client.setRequestHandler("elicitation/create", () => ({ action: "accept", content: { ok } }));
  const crossed: number[] = [];
  let calls = 0;
  while (calls < ELICIT_MIN_CALLS || (crossed.length === 0 && calls < ELICIT_MAX_CALLS)) {
    tag = `${label}-${calls}`;
    // Why alternate: each call must get its own answer, not one meant for another call.
    ok = calls % 2 === 0;
    const result = await client.callTool({ name: options.tool, arguments: {} }, {
      timeout: 15_000,
    });
    assert.equal(textOf(result), `answer: accept {"ok":${ok}}`, `call ${calls}`);
    const [call, sent] = await loggedRecords(cluster.nginx, [
      `${tag}-call`,
      `${tag}-${answer.kind}`,
    ]);
    assert.equal(sent!.status, answer.status, JSON.stringify(sent));
    if (sent!.upstreams.at(-1) !== call!.upstreams.at(-1)) crossed.push(calls);
    calls++;
  }
  assert.ok(
    crossed.length >= 1,
    `no ${answer.kind} of ${calls} went to another instance: ${
      JSON.stringify((await cluster.nginx.records()).filter((r) => r.callId.startsWith(label)))
    }`,
  );
  return { calls, crossed: crossed.length };
}

/**
 * `call` for a `tools/call`, `retry` for a 2026-07-28 retry of one (it carries `inputResponses`),
 * `answer` for a 2025 client's answer, `other` for the rest.
 */
function rpcKind(body: unknown): string {
  if (typeof body !== "string") return "other";
  const message = JSON.parse(body);
  if (message.method === "tools/call") {
    return message.params?.inputResponses === undefined ? "call" : "retry";
  }
  return message.method === undefined && message.id !== undefined ? "answer" : "other";
}
