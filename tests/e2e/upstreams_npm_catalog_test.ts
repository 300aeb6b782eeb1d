/**
 * The prompts and resources of a real stdio MCP server from npm
 * (`@modelcontextprotocol/server-everything`, pinned, a 2025-era server) behind the real gateway:
 * listed with the prefix (prompts) and untouched URIs (resources, templates), a prompt got, a
 * listed resource and a templated one read, an argument completed, and a resource update the
 * package sends for a subscription relayed to a 2025-era client over HTTP.
 */

import assert from "node:assert/strict";
import { createClientKey } from "../_support/auth_fixtures.ts";
import {
  connect,
  createGatewayToolsDir,
  ERAS,
  startGateway,
  waitUntil,
} from "../_support/gateway.ts";
import { installNpmPackage, SERVER_EVERYTHING } from "../_support/npm_package.ts";

const TEXT_TEMPLATE = "demo://resource/dynamic/text/{resourceId}";

function bearerFetchRecording(token: string, getStatuses: number[]): typeof fetch {
  return async (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set("authorization", `Bearer ${token}`);
    const response = await fetch(input, { ...init, headers });
    if ((init?.method ?? "GET") === "GET") getStatuses.push(response.status);
    return response;
  };
}

function textsOf(result: { contents: ReadonlyArray<object> }): string {
  return result.contents.map((item) => {
    const { text, blob } = item as { text?: string; blob?: string };
    return text ?? (blob === undefined ? "" : atob(blob));
  }).join("");
}

Deno.test("npm server-everything prompts and resources through the gateway, both eras", async (t) => {
  const entry = await installNpmPackage(SERVER_EVERYTHING);
  const dataDir = await Deno.makeTempDir({ prefix: "nexus-e2e-npm-catalog-" });
  try {
    const env = { NEXUS_DATA_DIR: dataDir };
    const key = await createClientKey("alice", env);
    await using tools = await createGatewayToolsDir({
      "everything.yaml": `upstreams:
  - name: everything
    stdio:
      command: node
      args: [${JSON.stringify(entry)}, stdio]
`,
    });
    await using gateway = await startGateway({ toolsDir: tools.dir, env });
    for (const era of ERAS) {
      await t.step(`${era}: prompts and resources listed, got, read and completed`, async () => {
        const statuses: number[] = [];
        await using client = await connect(era, gateway.mcpUrl, {
          fetch: bearerFetchRecording(key, statuses),
        });
        const prompts = (await client.listPrompts()).prompts.map((prompt) => prompt.name);
        for (const name of ["simple-prompt", "args-prompt", "completable-prompt"]) {
          assert.ok(prompts.includes(`everything_${name}`), `${name} missing: ${prompts}`);
        }
        const got = await client.getPrompt({ name: "everything_simple-prompt" });
        assert.ok(got.messages.length > 0);

        const resources = (await client.listResources()).resources;
        assert.ok(resources.length > 0, "no resources listed");
        const first = resources[0]!;
        const read = await client.readResource({ uri: first.uri });
        assert.equal((read.contents[0] as { uri: string }).uri, first.uri);

        const templates = (await client.listResourceTemplates()).resourceTemplates;
        assert.ok(
          templates.some((item) => item.uriTemplate === TEXT_TEMPLATE),
          JSON.stringify(templates.map((item) => item.uriTemplate)),
        );
        const dynamic = await client.readResource({ uri: "demo://resource/dynamic/text/3" });
        assert.match(textsOf(dynamic), /^Resource 3: /);

        const completed = await client.complete({
          ref: { type: "ref/prompt", name: "everything_completable-prompt" },
          argument: { name: "department", value: "S" },
        });
        assert.deepEqual(completed.completion.values, ["Sales", "Support"]);
      });
    }

    await t.step(
      "2025-11-25: a resource update the package sends reaches a subscriber",
      async () => {
        const statuses: number[] = [];
        await using client = await connect("2025-11-25", gateway.mcpUrl, {
          fetch: bearerFetchRecording(key, statuses),
        });
        const updates: string[] = [];
        client.setNotificationHandler("notifications/resources/updated", (notification) => {
          updates.push(notification.params.uri);
        });
        assert.ok(await waitUntil(() => statuses.length > 0, 5000), "no GET stream opened");
        const uri = "demo://resource/dynamic/text/1";
        await client.subscribeResource({ uri });
        await client.callTool({ name: "everything_toggle-subscriber-updates", arguments: {} });
        assert.ok(await waitUntil(() => updates.length > 0, 15_000), "no resources/updated");
        assert.equal(updates[0], uri);
        await client.unsubscribeResource({ uri });
      },
    );
  } finally {
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
});
