/**
 * Federated prompts and resources over `nexus stdio` (launched by the SDK's own
 * `StdioClientTransport`, as a desktop client would), for both eras: listed and read from a real
 * SDK v2 upstream, and a prompt-list change and a resource update the upstream announced heard
 * by the client (2025: `resources/subscribe`; 2026-07-28: a `subscriptions/listen` filter).
 */

import assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/client";
import { gatewayStdioTransport } from "../_support/gateway_stdio.ts";
import { startCatalogUpstream } from "../_support/catalog_upstream.ts";
import {
  assertEra,
  createGatewayToolsDir,
  eraOptions,
  ERAS,
  waitUntil,
} from "../_support/gateway.ts";

Deno.test("nexus stdio serves federated prompts and resources, and relays their notifications", async (t) => {
  await using upstream = startCatalogUpstream();
  await using tools = await createGatewayToolsDir({
    "catalog.yaml": `upstreams:\n  - name: cat\n    url: ${upstream.url}\n`,
  });
  const dataDir = await Deno.makeTempDir({ prefix: "nexus-e2e-catalog-stdio-" });
  try {
    for (const era of ERAS) {
      await t.step(`${era} client over stdio`, async () => {
        const transport = gatewayStdioTransport({
          NEXUS_TOOLS_DIR: tools.dir,
          NEXUS_DATA_DIR: dataDir,
        });
        const client = new Client({ name: "nexus-e2e", version: "1.0.0" }, eraOptions(era));
        const promptChanges: number[] = [];
        const updates: string[] = [];
        client.setNotificationHandler("notifications/prompts/list_changed", () => {
          promptChanges.push(1);
        });
        client.setNotificationHandler("notifications/resources/updated", (notification) => {
          updates.push(notification.params.uri);
        });
        try {
          await client.connect(transport);
          assertEra(client, era);
          const names = (await client.listPrompts()).prompts.map((prompt) => prompt.name);
          assert.ok(names.includes("cat_greet"), names.join(", "));
          const uri = "fixture://config";
          const read = await client.readResource({ uri });
          assert.equal((read.contents[0] as { text?: string }).text !== undefined, true);
          if (era === "2026-07-28") {
            const subscription = await client.listen({
              promptsListChanged: true,
              resourceSubscriptions: [uri, "other://nothing"],
            });
            assert.deepEqual(subscription.honoredFilter, {
              promptsListChanged: true,
              resourceSubscriptions: [uri],
            });
          } else {
            await client.subscribeResource({ uri });
          }
          upstream.addPrompt(`stdio_${era.replaceAll("-", "_")}`);
          assert.ok(await waitUntil(() => promptChanges.length > 0), "no prompts list_changed");
          // Why retried touches: over stdio the upstream subscription is made just after the
          // listen is forwarded, so the first touch may come before it is in place.
          for (let i = 0; i < 20 && updates.length === 0; i++) {
            upstream.touch(uri, `b = ${i}`);
            await waitUntil(() => updates.length > 0, 500);
          }
          assert.equal(updates[0], uri);
        } finally {
          await client.close();
        }
      });
    }
  } finally {
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
});
