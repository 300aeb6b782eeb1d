/**
 * Three real gateway processes behind the real nginx (issue 16, "three instances behind nginx"),
 * sharing Postgres (own schema), Redis (own prefix) and one master key, each reading its own copy
 * of the tools directory. SDK v2 clients of both eras (2025-11-25 stateless, 2026-07-28) run a
 * mixed workload (tools/list, a fast call, a slow call) through nginx while:
 *
 * 1. a tool file written to instance 0's directory reaches a 2025 GET stream held by instance 1
 *    and a 2026-07-28 `subscriptions/listen` stream held by instance 2 (Redis fan-out);
 * 2. a 2025 client with a sealed session calls a federated tool whose upstream asks for
 *    elicitation: every call completes with its own answer, and at least one answer (nginx's
 *    access log says where each request went) reached another instance than the call's; then a
 *    2026-07-28 client does the same with a 2025-only upstream, whose calls are parked on their
 *    instance: at least one retry carrying the answer reached another instance than the call's
 *    (`tests/_support/cluster_elicitation.ts`);
 * 3. instance 1 is drained (SIGTERM): not one call fails;
 * 4. instance 0 is killed (SIGKILL): only calls nginx had sent to it and not yet answered fail,
 *    each with an error (never a hang), and every call started after its death succeeds.
 *
 * Why a failed call is not retried elsewhere: nginx resends a request only when it was never
 * sent (connection refused); `proxy_next_upstream` in deploy/nginx/nginx.conf leaves out
 * `non_idempotent`, since a tool call that was sent may have acted. nginx's access log (upstream,
 * status, start and end, the client's `x-call-id`) says which instance had each call in flight.
 */

import assert from "node:assert/strict";
import { bearerFetch } from "../_support/auth_fixtures.ts";
import { connect, type Gateway, waitUntil } from "../_support/gateway.ts";
import {
  callsInFlight,
  type NginxCluster,
  openListenStream,
  SLOW_TOOL,
  startNginxCluster,
} from "../_support/cluster_nginx.ts";
import {
  elicitationAnswerCrossesInstances,
  parkedRetryCrossesInstances,
} from "../_support/cluster_elicitation.ts";
import { startRelayUpstream } from "../_support/relay_fixture_server.ts";
import { startWorkload, type WorkloadCall } from "../_support/cluster_workload.ts";
import type { AccessRecord } from "../_support/nginx.ts";
import { redisTest } from "../_support/redis.ts";

const SLOW_MS = 1_500;
/**
 * The drain's settle. Why above nginx's upstream keep-alive timeout: an idle kept-alive
 * connection is then closed by nginx before the draining gateway closes it; the other way round,
 * a POST nginx writes on it as it closes fails with 502 (seen without it).
 */
const SETTLE_MS = 2_000;
const NOTIFY_TIMEOUT_MS = 15_000;
/** nginx's `$msec` and `$request_time` have millisecond resolution. */
const CLOCK_SLACK_MS = 5;

redisTest(
  "three instances behind nginx: fan-out, drain without loss, kill with clean failures",
  async () => {
    // Why here: every instance federates it (a tool file in each instance's directory).
    await using upstream = startRelayUpstream();
    // Why a 2025-only one too: its input requests park the call on the instance that runs it.
    await using legacy = startRelayUpstream({ legacySessions: true });
    await using cluster = await startNginxCluster(3, {
      files: {
        "slow.ts": SLOW_TOOL,
        "relay.yaml": `upstreams:\n  - name: rl\n    url: ${upstream.url}\n` +
          `  - name: leg\n    url: ${legacy.url}\n`,
      },
      hotReload: [0],
      env: { NEXUS_DRAIN_SETTLE_MS: String(SETTLE_MS), NEXUS_DRAIN_MS: "20000" },
      // As deploy/nginx/nginx.conf keeps it below the default settle (4 s < 5 s), scaled down.
      nginx: { upstreamKeepaliveMs: SETTLE_MS - 1000 },
    });
    // 1. A tool file changed on one instance reaches streams held by the others.
    await toolChangeReachesOtherInstances(cluster);
    // 2. An elicitation answer that nginx sends to another instance completes the call, for a
    // 2025 client (its session) and a 2026-07-28 one (its retry of a parked call).
    printFigure(await elicitationAnswerCrossesInstances(cluster));
    printFigure(await parkedRetryCrossesInstances(cluster));
    // 3. SIGTERM: an instance drains under load and no call fails.
    await drainLosesNothing(cluster);
    // 4. SIGKILL: only calls in flight on the killed instance fail, cleanly.
    await killFailsOnlyInFlight(cluster);
  },
);

async function toolChangeReachesOtherInstances(cluster: NginxCluster): Promise<void> {
  const [changed, legacyHolder, modernHolder] = cluster.instances;
  let heard = false;
  const getStatuses: number[] = [];
  await using legacy = await connect("2025-11-25", legacyHolder!.gateway.mcpUrl, {
    fetch: async (input, init) => {
      const response = await bearerFetch(cluster.keys.client)(input, init);
      if ((init?.method ?? "GET") === "GET") getStatuses.push(response.status);
      return response;
    },
    client: { listChanged: { tools: { onChanged: () => heard = true } } },
  });
  const modern = await openListenStream(modernHolder!.gateway, cluster.keys.client);
  try {
    // Why: a 2025 client hears unsolicited notifications only once its GET stream is open.
    assert.ok(await waitUntil(() => getStatuses.length > 0, 10_000), "no GET stream opened");
    assert.deepEqual(getStatuses, [200]);
    const before = (await legacy.listTools()).tools.map((tool) => tool.name);
    await changed!.tools.write(
      "added.yaml",
      "tools:\n  - name: added_on_zero\n    description: Added on instance 0.\n" +
        "    http:\n      url: https://api.example.com/added\n",
    );
    assert.ok(await waitUntil(() => heard, NOTIFY_TIMEOUT_MS), "2025 GET stream: no list_changed");
    const modernHeard = await waitUntil(
      () => modern.text().includes("notifications/tools/list_changed"),
      NOTIFY_TIMEOUT_MS,
    );
    assert.ok(modernHeard, `2026 listen stream: no list_changed in ${modern.text()}`);
    // Instance 1 reads its own directory: the file went to instance 0's only.
    assert.deepEqual((await legacy.listTools()).tools.map((tool) => tool.name), before);
  } finally {
    await modern.cancel();
  }
}

async function drainLosesNothing(cluster: NginxCluster): Promise<void> {
  const target = cluster.instances[1]!;
  const workload = await startWorkload(cluster.mcpUrl, {
    slowMs: SLOW_MS,
    label: "drain",
    token: cluster.keys.client,
  });
  let status: Deno.CommandStatus;
  let signalledAt: number;
  try {
    await untilInFlight(target.gateway, cluster.keys.admin);
    signalledAt = Date.now();
    // Why stop() alone: it sends the one SIGTERM (a second one would cut the drain short).
    status = await target.gateway.stop();
    const exitedAt = Date.now();
    await untilFinishedAfter(workload.finished, exitedAt, 12);
  } finally {
    await workload.stop();
  }
  const calls = await workload.stop();
  const failed = calls.filter((call) => call.error !== undefined);
  assert.deepEqual(
    failed,
    [],
    `calls failed while an instance drained; nginx error log:\n${await cluster.nginx
      .errorLog()}\ndrained instance (exit ${status.code}):\n${
      target.gateway.stderrLines().slice(-40).join("\n")
    }`,
  );
  assert.equal(status.code, 0, target.gateway.stderrLines().join("\n"));
  assert.ok(target.gateway.stderrLines().some((l) => l.includes("Drained: every call finished")));
  const records = await callRecords(cluster, "drain");
  const drained = records.filter((r) =>
    r.upstreams.at(-1) === target.address && r.startMs <= signalledAt && r.endMs >= signalledAt
  );
  assert.ok(drained.length >= 1, "no call was in flight on the draining instance at SIGTERM");
  assert.ok(drained.every((r) => r.status === 200), JSON.stringify(drained));
  printFigure(
    `drain: ${calls.length} calls, ${drained.length} in flight on the drained instance, 0 failed`,
  );
}

async function killFailsOnlyInFlight(cluster: NginxCluster): Promise<void> {
  const victim = cluster.instances[0]!;
  const workload = await startWorkload(cluster.mcpUrl, {
    slowMs: SLOW_MS,
    label: "kill",
    token: cluster.keys.client,
  });
  let killedBefore: number;
  let deadAt: number;
  try {
    await untilInFlight(victim.gateway, cluster.keys.admin);
    killedBefore = Date.now();
    victim.gateway.kill("SIGKILL");
    await victim.gateway.stop();
    deadAt = Date.now();
    await untilFinishedAfter(workload.finished, deadAt, 12);
  } finally {
    await workload.stop();
  }
  const calls = await workload.stop();
  const records = await callRecords(cluster, "kill");
  const inFlight = new Map(
    records.filter((r) =>
      r.upstreams.at(-1) === victim.address && r.startMs <= deadAt + CLOCK_SLACK_MS &&
      r.endMs >= killedBefore - CLOCK_SLACK_MS
    ).map((r) => [r.callId, r]),
  );
  const failed = calls.filter((call) => call.error !== undefined);
  const cut = failed.filter((call) => /timed out|timeout/i.test(call.error!));
  printFigure(
    `kill: ${calls.length} calls, ${inFlight.size} in flight on the killed instance, ` +
      `${failed.length} failed (${cut.length} of them 2025 SSE answers cut mid-stream, ` +
      "reported at the client's request timeout)",
  );
  // The kill came while /metrics showed a call running there, and nginx never resends a sent POST.
  assert.ok(inFlight.size >= 1, "no call was in flight on the killed instance");
  assert.ok(failed.length >= 1, `no call failed: ${describe(failed, inFlight)}`);
  assert.ok(failed.length <= inFlight.size, describe(failed, inFlight));
  for (const call of failed) {
    const record = inFlight.get(call.callId);
    assert.ok(record, `failed but not in flight on the victim: ${describe([call], inFlight)}`);
    assert.doesNotMatch(call.error!, /hung/, describe([call], inFlight));
    // A failure at once is nginx's 502 (nothing answered yet). A timeout is only a 2025 call
    // whose SSE answer had begun (status 200) when the instance died: the SDK waits for it.
    if (cut.includes(call)) {
      assert.equal(call.era, "2025-11-25", describe([call], inFlight));
      assert.equal(record.status, 200, describe([call], inFlight));
    } else {
      assert.equal(record.status, 502, describe([call], inFlight));
    }
  }
  const later = calls.filter((call) => call.startMs > deadAt);
  assert.ok(later.length >= 12);
  assert.deepEqual(
    later.filter((call) => call.error !== undefined),
    [],
    "a call after the kill failed",
  );
}

/** Waits until `gateway` runs at least one tool call (the slow ones last SLOW_MS). */
async function untilInFlight(gateway: Gateway, adminKey: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while ((await callsInFlight(gateway, adminKey)) < 1) {
    assert.ok(Date.now() < deadline, "the workload never reached the instance");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Waits until `count` operations started after `since` finished. */
async function untilFinishedAfter(
  finished: () => readonly WorkloadCall[],
  since: number,
  count: number,
): Promise<void> {
  const enough = () => finished().filter((call) => call.startMs > since).length >= count;
  assert.ok(await waitUntil(enough, 30_000), "the workload stalled");
}

async function callRecords(cluster: NginxCluster, label: string): Promise<AccessRecord[]> {
  return (await cluster.nginx.records()).filter((r) =>
    r.callId.startsWith(`${label}-`) && !r.callId.endsWith("-connect")
  );
}

function describe(failed: WorkloadCall[], inFlight: Map<string, AccessRecord>): string {
  return JSON.stringify({ failed, inFlight: [...inFlight.values()] }, null, 1);
}

/** Prints a measured figure in the test output (figures are printed, never asserted). */
function printFigure(line: string): void {
  Deno.stdout.writeSync(new TextEncoder().encode(`${line}\n`));
}
