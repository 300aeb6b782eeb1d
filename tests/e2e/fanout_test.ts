/**
 * Change fan-out between two real gateway processes sharing Redis (own key prefix): a tool file
 * added to instance A's directory reaches a 2025 client listening on instance B's GET stream, and
 * a key revoked through A's admin API ends the key's stream on B at once (B's own periodic
 * recheck is set far beyond the wait, so only the fan-out can end it). Delays are printed, not
 * asserted.
 */

import assert from "node:assert/strict";
import { createClientKey } from "../_support/auth_fixtures.ts";
import {
  connect,
  createGatewayToolsDir,
  type Gateway,
  startGateway,
  waitUntil,
} from "../_support/gateway.ts";
import { listeningFor } from "../_support/cross_instance.ts";
import { REDIS_TEST_URL, redisTest, testPrefix } from "../_support/redis.ts";

/** Generous bounds: a missing fan-out fails them, a slow machine does not. */
const NOTIFY_TIMEOUT_MS = 15_000;
/** Far beyond the waits below: B's periodic stream recheck never runs during the test. */
const RECHECK_MS = "300000";

/** Prints a measured figure in the test output (figures are printed, never asserted). */
function printFigure(line: string): void {
  Deno.stdout.writeSync(new TextEncoder().encode(`${line}\n`));
}

function redisEnv(prefix: string): Record<string, string> {
  return { NEXUS_REDIS_URL: REDIS_TEST_URL, NEXUS_REDIS_PREFIX: prefix };
}

/** Waits until `gateway` logs that it listens for other instances' changes. */
function subscribed(gateway: Gateway): Promise<void> {
  return listeningFor(gateway, "changes from other");
}

redisTest("a tool file added on one instance reaches a 2025 client on another", async () => {
  const prefix = testPrefix("fanout");
  await using toolsA = await createGatewayToolsDir();
  await using toolsB = await createGatewayToolsDir();
  await using a = await startGateway({ toolsDir: toolsA.dir, env: redisEnv(prefix) });
  await using b = await startGateway({
    toolsDir: toolsB.dir,
    env: { ...redisEnv(prefix), NEXUS_HOT_RELOAD: "false" },
  });
  await Promise.all([subscribed(a), subscribed(b)]);
  let heardAt: number | undefined;
  const getStatuses: number[] = [];
  await using client = await connect("2025-11-25", b.mcpUrl, {
    fetch: async (input, init) => {
      const response = await fetch(input, init);
      if ((init?.method ?? "GET") === "GET") getStatuses.push(response.status);
      return response;
    },
    client: {
      listChanged: { tools: { onChanged: () => heardAt ??= performance.now() } },
    },
  });
  // Why: a 2025 client hears unsolicited notifications only on the GET stream it opens.
  assert.ok(await waitUntil(() => getStatuses.length > 0, 5000), "no GET stream opened");
  assert.deepEqual(getStatuses, [200]);
  const before = (await client.listTools()).tools.map((tool) => tool.name);

  const writtenAt = performance.now();
  await toolsA.write(
    "fanout_added.yaml",
    "tools:\n  - name: fanout_added\n    description: Added on A.\n" +
      "    http:\n      url: https://api.example.com/added\n",
  );
  const heard = await waitUntil(() => heardAt !== undefined, NOTIFY_TIMEOUT_MS);
  assert.ok(heard, `B's client heard no list_changed within ${NOTIFY_TIMEOUT_MS} ms`);
  printFigure(
    `fan-out: file written on A -> list_changed on B: ${(heardAt! - writtenAt).toFixed(0)} ms`,
  );
  // B reads its own tools directory: the file went to A's only, so B's list is unchanged.
  assert.deepEqual((await client.listTools()).tools.map((tool) => tool.name), before);
  const fromA = a.stderrLines().some((line) => line.includes("Tool registry reloaded"));
  assert.ok(fromA, "A did not reload its registry");
});

redisTest("a key revoked through one instance's admin API ends its stream on another", async () => {
  const prefix = testPrefix("fanout-keys");
  const dataDir = await Deno.makeTempDir({ prefix: "nexus-e2e-fanout-" });
  try {
    const storeEnv = { NEXUS_DATA_DIR: dataDir };
    const alice = await createClientKey("alice", storeEnv);
    const ops = await createClientKey("ops", storeEnv, ["--admin"]);
    const env = { ...storeEnv, ...redisEnv(prefix), NEXUS_STREAM_RECHECK_MS: RECHECK_MS };
    await using tools = await createGatewayToolsDir();
    await using a = await startGateway({ toolsDir: tools.dir, env });
    await using b = await startGateway({ toolsDir: tools.dir, env });
    await Promise.all([subscribed(a), subscribed(b)]);
    const response = await fetch(b.mcpUrl, {
      headers: {
        accept: "text/event-stream",
        "mcp-protocol-version": "2025-11-25",
        authorization: `Bearer ${alice}`,
      },
    });
    assert.equal(response.status, 200);
    const reader = response.body!.getReader();
    await reader.read(); // the stream's first frame: it is open
    const ended = (async () => {
      while (!(await reader.read().catch(() => ({ done: true }))).done) {
        // Why: keep reading until the server ends the stream.
      }
      return performance.now();
    })();

    const revokedAt = performance.now();
    const revoke = await fetch(`${a.url}/admin/clients/alice`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${ops}` },
    });
    assert.equal(revoke.status, 200, await revoke.text());
    let timer: ReturnType<typeof setTimeout> | undefined;
    const endedAt = await Promise.race([
      ended,
      new Promise<undefined>((resolve) =>
        timer = setTimeout(() => resolve(undefined), NOTIFY_TIMEOUT_MS)
      ),
    ]);
    clearTimeout(timer);
    if (endedAt === undefined) await reader.cancel().catch(() => {});
    assert.ok(endedAt !== undefined, "alice's stream on B stayed open after revocation on A");
    printFigure(
      `fan-out: key revoked on A -> stream ended on B: ${(endedAt - revokedAt).toFixed(0)} ms`,
    );
    // And B refuses the key for new requests.
    const refused = await fetch(b.mcpUrl, {
      headers: {
        accept: "text/event-stream",
        "mcp-protocol-version": "2025-11-25",
        authorization: `Bearer ${alice}`,
      },
    });
    await refused.body?.cancel();
    assert.equal(refused.status, 401);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
