/**
 * Hot reload seen from real SDK clients: a tool file written into the gateway's tools dir reaches
 * a listening 2025-era client over its GET /mcp stream and a 2026-07-28 client over
 * `subscriptions/listen`.
 */

import assert from "node:assert/strict";
import type { Tool } from "@modelcontextprotocol/client";
import {
  connect,
  createGatewayToolsDir,
  ERAS,
  startGateway,
  waitUntil,
} from "../_support/gateway.ts";

const NOTIFY_TIMEOUT_MS = 10_000;

function newTool(name: string): string {
  return `tools:
  - name: ${name}
    description: Added while the gateway runs.
    http:
      url: https://api.example.com/${name}
`;
}

/** A fetch that records the status of every GET the SDK transport opens (its SSE stream). */
function recordingFetch(getStatuses: number[]): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    if ((init?.method ?? "GET") === "GET") getStatuses.push(response.status);
    return response;
  };
}

Deno.test("gateway subprocess pushes tool-list changes to listening clients of both eras", async (t) => {
  await using tools = await createGatewayToolsDir();
  await using gateway = await startGateway({ toolsDir: tools.dir });
  for (const era of ERAS) {
    await t.step(
      `${era} client: a new tool file triggers list_changed and is listed`,
      async () => {
        const name = `e2e_added_${era.replaceAll("-", "_")}`;
        const changes: string[][] = [];
        const getStatuses: number[] = [];
        await using client = await connect(era, gateway.mcpUrl, {
          fetch: recordingFetch(getStatuses),
          client: {
            listChanged: {
              tools: {
                onChanged: (error, listed) => {
                  if (error === null && listed !== null) changes.push(listed.map(nameOf));
                },
              },
            },
          },
        });
        if (era === "2025-11-25") {
          // Why: a 2025 client hears unsolicited notifications only on the GET stream it opens
          // after `notifications/initialized`; writing the file earlier could race it.
          assert.ok(await waitUntil(() => getStatuses.length > 0, 5000), "no GET stream opened");
          assert.deepEqual(getStatuses, [200]);
        } else {
          const subscription = client.autoOpenedSubscription;
          assert.ok(subscription, "no subscriptions/listen stream was opened");
          assert.deepEqual(subscription.honoredFilter.toolsListChanged, true);
          assert.deepEqual(getStatuses, []);
        }
        const before = (await client.listTools()).tools.map(nameOf);
        assert.ok(!before.includes(name));

        await tools.write(`${name}.yaml`, newTool(name));
        const heard = await waitUntil(() => changes.length > 0, NOTIFY_TIMEOUT_MS);
        assert.ok(heard, `no list_changed within ${NOTIFY_TIMEOUT_MS} ms`);
        assert.ok(changes[0]?.includes(name), `refetched list lacks ${name}`);
        const after = (await client.listTools()).tools.map(nameOf);
        assert.deepEqual(after, [...before, name].sort());
      },
    );
  }
  const status = await gateway.stop();
  assert.equal(status.code, 0, gateway.stderrLines().join("\n"));
  // One logged reload per added file, each naming its snapshot version (no duplicate line).
  const reloads = gateway.stderrLines().map((line) => JSON.parse(line))
    .filter((record) => record.msg === "Tool registry reloaded");
  assert.deepEqual(reloads.map((record) => record.version), [2, 3]);
});

function nameOf(tool: Tool): string {
  return tool.name;
}
