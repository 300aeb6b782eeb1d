/**
 * Federated prompts, resources, templates and completions through the real gateway (a
 * subprocess): a real SDK v2 upstream (tests/_support/catalog_upstream.ts) behind it, and real SDK
 * clients of both eras listing (the upstream pages one item at a time), getting, reading,
 * completing, and hearing a prompt-list change and a resource update that the upstream announced.
 */

import assert from "node:assert/strict";
import { type Client, ProtocolError } from "@modelcontextprotocol/client";
import { connectAs, createClientKey } from "../_support/auth_fixtures.ts";
import { FIXTURE_PROMPTS_TTL_MS, startCatalogUpstream } from "../_support/catalog_upstream.ts";
import {
  connect,
  createGatewayToolsDir,
  ERAS,
  startGateway,
  waitUntil,
} from "../_support/gateway.ts";

const NOTIFY_TIMEOUT_MS = 10_000;

/** A fetch sending `token` as a bearer and recording the status of every GET. */
function bearerFetchRecording(token: string, getStatuses: number[]): typeof fetch {
  return async (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set("authorization", `Bearer ${token}`);
    const response = await fetch(input, { ...init, headers });
    if ((init?.method ?? "GET") === "GET") getStatuses.push(response.status);
    return response;
  };
}

function textOf(result: { contents: ReadonlyArray<object> }): string {
  return result.contents.map((item) => (item as { text?: string }).text ?? "").join("");
}

async function errorOf(run: () => Promise<unknown>): Promise<ProtocolError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof ProtocolError) return error;
    throw error;
  }
  throw new Error("expected a protocol error");
}

Deno.test("federated prompts, resources and completions: both eras, routed, notified", async (t) => {
  await using upstream = startCatalogUpstream();
  const dataDir = await Deno.makeTempDir({ prefix: "nexus-e2e-catalog-" });
  try {
    const configPath = `${dataDir}/nexus.yaml`;
    await Deno.writeTextFile(
      configPath,
      `policies:
  - clients: ["key:alice"]
    tools: ["*"]
  - clients: ["key:bob"]
    tools: ["other_*"]
`,
    );
    const env = { NEXUS_DATA_DIR: dataDir, NEXUS_CONFIG: configPath };
    const key = await createClientKey("alice", env);
    const bobKey = await createClientKey("bob", env);
    await using tools = await createGatewayToolsDir({
      "catalog.yaml": `upstreams:
  - name: cat
    url: ${upstream.url}
    prompts: { rename: { summarize: sum } }
    resources: { deny: ["fixture://config"] }
`,
    });
    await using gateway = await startGateway({ toolsDir: tools.dir, env });

    for (const era of ERAS) {
      await t.step(`${era}: lists, gets, reads and completes through the gateway`, async () => {
        await using client = await connectAs(era, gateway.mcpUrl, key);
        await checkCatalog(client, era);
      });
    }

    await t.step("prompts/get and resources/read reach the upstream under its own names", () => {
      assert.ok(upstream.gets().includes("summarize"), upstream.gets().join(", "));
      assert.ok(!upstream.gets().includes("sum"));
      assert.ok(upstream.reads().includes("fixture://notes/7"));
      assert.ok(!upstream.reads().includes("fixture://config"), "a denied URI went upstream");
    });

    for (const era of ERAS) {
      await t.step(
        `${era}: a caller the policy keeps off the upstream sees none of it`,
        async () => {
          await using bob = await connectAs(era, gateway.mcpUrl, bobKey);
          assert.deepEqual((await bob.listPrompts()).prompts, []);
          assert.deepEqual((await bob.listResources()).resources, []);
          assert.deepEqual((await bob.listResourceTemplates()).resourceTemplates, []);
          const hidden = await errorOf(() => bob.readResource({ uri: "fixture://readme" }));
          const unknown = await errorOf(() => bob.readResource({ uri: "other://nothing" }));
          assert.equal(hidden.code, unknown.code);
          const prompt = await errorOf(() => bob.getPrompt({ name: "cat_greet" }));
          const nothing = await errorOf(() => bob.getPrompt({ name: "cat_nothing" }));
          assert.equal(
            prompt.message.replace("greet", "X"),
            nothing.message.replace("nothing", "X"),
          );
          await errorOf(() =>
            bob.complete({
              ref: { type: "ref/prompt", name: "cat_greet" },
              argument: { name: "name", value: "a" },
            })
          );
          if (era === "2026-07-28") {
            const subscription = await bob.listen({
              toolsListChanged: true,
              resourceSubscriptions: ["fixture://readme"],
            });
            assert.deepEqual(subscription.honoredFilter, { toolsListChanged: true });
            await subscription.close();
          }
        },
      );
    }

    for (const era of ERAS) {
      await t.step(`${era}: hears a prompt-list change and a resource update`, async () => {
        await checkNotifications(era, gateway.mcpUrl, key, upstream);
      });
    }
  } finally {
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
});

async function checkCatalog(client: Client, era: string): Promise<void> {
  const listed = await client.listPrompts();
  assert.deepEqual(listed.prompts.map((prompt) => prompt.name), ["cat_greet", "cat_sum"]);
  if (era === "2026-07-28") {
    const hint = listed as unknown as { ttlMs?: number; cacheScope?: string };
    assert.equal(hint.ttlMs, FIXTURE_PROMPTS_TTL_MS, "merged TTL is the upstream's smaller one");
    assert.equal(hint.cacheScope, "private", "private wins over the upstream's public");
    // The upstream's tools/list carries the SDK's default hint, ttlMs 0: the merged list too.
    const tools = await client.listTools() as unknown as { ttlMs?: number };
    assert.equal(tools.ttlMs, 0);
  }
  const prompt = await client.getPrompt({ name: "cat_sum", arguments: { topic: "tides" } });
  const message = prompt.messages[0]?.content as { text?: string };
  assert.equal(message.text, `summarize: {"topic":"tides"}`);

  const resources = await client.listResources();
  assert.deepEqual(resources.resources.map((item) => item.uri), ["fixture://readme"]);
  const templates = await client.listResourceTemplates();
  assert.deepEqual(templates.resourceTemplates.map((item) => item.uriTemplate), [
    "fixture://notes/{id}",
  ]);
  assert.equal(textOf(await client.readResource({ uri: "fixture://readme" })), "read me");
  assert.equal(textOf(await client.readResource({ uri: "fixture://notes/7" })), "note 7");

  const denied = await errorOf(() => client.readResource({ uri: "fixture://config" }));
  const unknown = await errorOf(() => client.readResource({ uri: "other://nothing" }));
  assert.equal(denied.code, unknown.code, "a denied URI answers like an unknown one");
  assert.equal(
    denied.message.replace("fixture://config", "URI"),
    unknown.message.replace("other://nothing", "URI"),
  );
  const missing = await errorOf(() => client.getPrompt({ name: "cat_nope" }));
  assert.equal(missing.code, -32602);

  const names = await client.complete({
    ref: { type: "ref/prompt", name: "cat_greet" },
    argument: { name: "name", value: "al" },
  });
  assert.deepEqual(names.completion.values, ["alice", "albert"]);
  const ids = await client.complete({
    ref: { type: "ref/resource", uri: "fixture://notes/{id}" },
    argument: { name: "id", value: "1" },
  });
  assert.deepEqual(ids.completion.values, ["1", "10"]);
}

async function checkNotifications(
  era: (typeof ERAS)[number],
  mcpUrl: string,
  key: string,
  upstream: ReturnType<typeof startCatalogUpstream>,
): Promise<void> {
  const getStatuses: number[] = [];
  await using client = await connect(era, mcpUrl, {
    fetch: bearerFetchRecording(key, getStatuses),
  });
  const promptChanges: number[] = [];
  const updates: string[] = [];
  client.setNotificationHandler("notifications/prompts/list_changed", () => {
    promptChanges.push(Date.now());
  });
  client.setNotificationHandler("notifications/resources/updated", (notification) => {
    updates.push(notification.params.uri);
  });
  const uri = "fixture://readme";
  if (era === "2026-07-28") {
    const subscription = await client.listen({
      promptsListChanged: true,
      resourceSubscriptions: [uri, "fixture://config", "other://nothing"],
    });
    assert.deepEqual(subscription.honoredFilter, {
      promptsListChanged: true,
      resourceSubscriptions: [uri],
    });
  } else {
    assert.ok(await waitUntil(() => getStatuses.length > 0, 5000), "no GET stream opened");
    assert.deepEqual(getStatuses, [200]);
    await client.subscribeResource({ uri });
  }
  const added = `added_${era.replaceAll("-", "_")}`;
  upstream.addPrompt(added);
  assert.ok(await waitUntil(() => promptChanges.length > 0, NOTIFY_TIMEOUT_MS), "no list_changed");
  const names = (await client.listPrompts()).prompts.map((prompt) => prompt.name);
  assert.ok(names.includes(`cat_${added}`), names.join(", "));

  upstream.touch(uri, `changed for ${era}`);
  assert.ok(await waitUntil(() => updates.length > 0, NOTIFY_TIMEOUT_MS), "no resources/updated");
  assert.deepEqual(updates, [uri]);
  assert.equal(textOf(await client.readResource({ uri })), `changed for ${era}`);
}
