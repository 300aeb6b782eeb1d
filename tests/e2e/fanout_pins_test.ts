/**
 * Upstream pins approved through one instance's admin API reach the others (issue 16, "an upstream
 * change through the admin API reaches every instance"): two real gateway processes sharing
 * Postgres (own schema), Redis (own prefix) and one master key federate an HTTP upstream under
 * `pin: manual`, so its tools are withheld everywhere. An approval of one tool through A's
 * `POST /admin/upstreams/fx/approve` is announced (`pins` fan-out event); B lists the upstream again
 * and serves that tool (only), and a 2025 client holding a GET stream on B hears
 * `tools/list_changed`. Then `nexus upstreams approve fx --tool fail` (the CLI, no gateway) announces
 * the same way and both instances list the upstream again. Why B's log is checked too: B also lists withheld upstreams again every
 * 30 s on its own; the log line says the announcement, not that timer, made it list.
 */

import assert from "node:assert/strict";
import { generateMasterKey } from "../../lib/credentials/mod.ts";
import { openTestStore, POSTGRES_PROBLEM, TEST_DATABASE_URL } from "../store/_stores.ts";
import type { Client } from "@modelcontextprotocol/client";
import { bearerFetch, createClientKey, runNexus, toolNames } from "../_support/auth_fixtures.ts";
import { PATIENT_REDIS_ENV } from "../_support/cluster.ts";
import { listensForOthers } from "../_support/cluster_nginx.ts";
import { connect, type Gateway, startGateway, waitUntil } from "../_support/gateway.ts";
import { startMcpUpstream } from "../_support/mcp_upstream.ts";
import { openTestRedis, REDIS_TEST_URL, redisTest, testPrefix } from "../_support/redis.ts";
import { createToolsDir } from "../_support/registry_fixtures/tools_dir.ts";

/** Generous: a missing announcement fails it, a slow machine does not (B's own retry is 30 s). */
const SEEN_TIMEOUT_MS = 15_000;

redisTest("upstream pins approved through A's admin API, or the CLI, are served by B", async () => {
  assert.equal(POSTGRES_PROBLEM, undefined, `this test needs Postgres: ${POSTGRES_PROBLEM}`);
  const prefix = testPrefix("fanout-pins");
  await using store = await openTestStore("postgres");
  // Why: disposing it deletes what the gateways left under the prefix.
  await using _redis = openTestRedis(prefix);
  await using upstream = startMcpUpstream();
  const env = {
    NEXUS_DATABASE_URL: `${TEST_DATABASE_URL}?search_path=${store.isolation}`,
    NEXUS_MASTER_KEY: generateMasterKey(),
    NEXUS_REDIS_URL: REDIS_TEST_URL,
    NEXUS_REDIS_PREFIX: prefix,
    NEXUS_HOT_RELOAD: "false",
    NEXUS_DEMO_API: "false",
    ...PATIENT_REDIS_ENV,
  };
  const [client, admin] = await Promise.all([
    createClientKey("alice", env),
    createClientKey("ops", env, ["--admin"]),
  ]);
  await using tools = await createToolsDir({
    "fx.yaml": `upstreams:\n  - name: fx\n    url: ${upstream.url}\n    pin: manual\n`,
  });
  await using a = await startGateway({ toolsDir: tools.dir, env });
  await using b = await startGateway({ toolsDir: tools.dir, env });
  await Promise.all([listensForOthers(a), listensForOthers(b)]);

  let heard = 0;
  const getStatuses: number[] = [];
  await using onB = await connect("2025-11-25", b.mcpUrl, {
    fetch: async (input, init) => {
      const response = await bearerFetch(client)(input, init);
      if ((init?.method ?? "GET") === "GET") getStatuses.push(response.status);
      return response;
    },
    client: { listChanged: { tools: { onChanged: () => heard++ } } },
  });
  // Why: a 2025 client hears unsolicited notifications only once its GET stream is open.
  assert.ok(await waitUntil(() => getStatuses.length > 0, 10_000), "no GET stream opened");
  assert.deepEqual(getStatuses, [200]);
  assert.ok(!(await toolNames(onB)).includes("fx_echo"), "withheld before approval");

  const approvedAt = performance.now();
  const approve = await fetch(`${a.url}/admin/upstreams/fx/approve`, {
    method: "POST",
    headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
    body: JSON.stringify({ tool: "echo" }),
  });
  const approved = await approve.json();
  assert.equal(approve.status, 200, JSON.stringify(approved));
  assert.deepEqual(approved.approved, ["echo"]);
  await untilServed(onB, "fx_echo", b);
  printFigure(`pins fan-out: approved on A -> served by B: ${since(approvedAt)} ms`);
  assert.ok(await waitUntil(() => heard > 0, SEEN_TIMEOUT_MS), "no list_changed on B's stream");
  assert.equal(relistings(b), 1, `B did not act on the announcement:\n${log(b)}`);
  assert.ok(!(await toolNames(onB)).includes("fx_fail"), "only the approved tool is served");

  // `nexus upstreams approve` (no gateway involved) announces the same way.
  const cliAt = performance.now();
  const cli = await runNexus(["upstreams", "approve", "fx", "--tool", "fail"], {
    ...env,
    NEXUS_TOOLS_DIR: tools.dir,
  });
  assert.equal(cli.code, 0, cli.stderr);
  assert.match(cli.stdout, /Approved fail on upstream "fx"\nAnnounced to the running instances/);
  await untilServed(onB, "fx_fail", b);
  printFigure(`pins fan-out: approved by the CLI -> served by B: ${since(cliAt)} ms`);
  assert.equal(relistings(b), 2, `B did not act on the CLI's announcement:\n${log(b)}`);
  const aActed = await waitUntil(() => relistings(a) === 1, SEEN_TIMEOUT_MS);
  assert.ok(aActed, `A did not act on the CLI's announcement:\n${log(a)}`);
});

/** Waits until `client` (on `gateway`) lists `tool`. */
async function untilServed(client: Client, tool: string, gateway: Gateway): Promise<void> {
  const deadline = Date.now() + SEEN_TIMEOUT_MS;
  while (!(await toolNames(client)).includes(tool)) {
    assert.ok(Date.now() < deadline, `${tool} never served:\n${log(gateway)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** How often `gateway` listed an upstream again because another process announced pins. */
function relistings(gateway: Gateway): number {
  return gateway.stderrLines().filter((line) =>
    line.includes("Listing an upstream again: pins approved on another instance")
  ).length;
}

function log(gateway: Gateway): string {
  return gateway.stderrLines().join("\n");
}

function since(start: number): string {
  return (performance.now() - start).toFixed(0);
}

/** Prints a measured figure in the test output (figures are printed, never asserted). */
function printFigure(line: string): void {
  Deno.stdout.writeSync(new TextEncoder().encode(`${line}\n`));
}
