/**
 * The real gateway with client keys made by the real CLI and policies in `nexus.yaml`: two clients
 * see different tool lists and cannot call each other's tools (the same error as a tool that does
 * not exist), a virtual server shows only its bundle, policies reload without restart, and a
 * revoked key stops working.
 */

import assert from "node:assert/strict";
import { type Client, ProtocolError } from "@modelcontextprotocol/client";
import { createGatewayToolsDir, ERAS, startGateway } from "../_support/gateway.ts";
import { connectAs, createClientKey, runNexus, toolNames } from "../_support/auth_fixtures.ts";

function policies(aliceTools: string[]): string {
  return `policies:
  - name: demo team
    clients: ["key:alice"]
    tools: [${aliceTools.join(", ")}]
  - name: text team
    groups: [writers]
    tools: ["text_*", uuid_generate]
servers:
  writing:
    description: Text tools only
    tools: ["text_*"]
`;
}

/** What calling `name` answers, with the tool's own name blanked out. */
async function callOutcome(client: Client, name: string): Promise<string> {
  try {
    const result = await client.callTool({ name, arguments: {} });
    return `result isError=${result.isError}`;
  } catch (error) {
    assert.ok(error instanceof ProtocolError, String(error));
    return `${error.code} ${error.message.replaceAll(name, "<name>")}`;
  }
}

Deno.test("two clients, two policies, one virtual server", async (t) => {
  const dataDir = await Deno.makeTempDir({ prefix: "nexus-e2e-policies-" });
  const configPath = `${dataDir}/nexus.yaml`;
  await Deno.writeTextFile(configPath, policies(["demo_*"]));
  const env = { NEXUS_DATA_DIR: dataDir, NEXUS_CONFIG: configPath };
  const alice = await createClientKey("alice", env);
  const bob = await createClientKey("bob", env, ["--groups", "writers"]);
  await using tools = await createGatewayToolsDir();
  await using gateway = await startGateway({ toolsDir: tools.dir, env });
  try {
    for (const era of ERAS) {
      await t.step(`${era}: each client sees only its tools`, async () => {
        await using a = await connectAs(era, gateway.mcpUrl, alice);
        await using b = await connectAs(era, gateway.mcpUrl, bob);
        assert.deepEqual(await toolNames(a), ["demo_create_ticket", "demo_echo", "demo_time"]);
        assert.deepEqual(await toolNames(b), ["text_stats", "uuid_generate"]);
      });

      await t.step(`${era}: another client's tool answers exactly like a missing one`, async () => {
        await using a = await connectAs(era, gateway.mcpUrl, alice);
        await using b = await connectAs(era, gateway.mcpUrl, bob);
        const missing = await callOutcome(a, "no_such_tool");
        assert.match(missing, /^-32602 /);
        assert.equal(await callOutcome(a, "text_stats"), missing);
        assert.equal(await callOutcome(b, "demo_echo"), missing);
        assert.equal(await callOutcome(b, "no_such_tool"), missing);
      });

      await t.step(`${era}: the virtual server exposes only its bundle`, async () => {
        await using b = await connectAs(era, `${gateway.mcpUrl}/writing`, bob);
        assert.deepEqual(await toolNames(b), ["text_stats"]);
        const result = await b.callTool({ name: "text_stats", arguments: { text: "x y" } });
        assert.equal(result.isError, undefined);
        assert.match(await callOutcome(b, "uuid_generate"), /^-32602 /);
      });
    }

    await t.step("a request without a key is refused once clients exist", async () => {
      const response = await fetch(gateway.mcpUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
      });
      assert.equal(response.status, 401);
      assert.match(response.headers.get("www-authenticate") ?? "", /resource_metadata=/);
      await response.body?.cancel();
    });

    await t.step("editing nexus.yaml changes what a client sees, without restart", async () => {
      await Deno.writeTextFile(configPath, policies(["demo_echo", "text_stats"]));
      let names: string[] = [];
      const changed = await waitUntilAsync(async () => {
        // Why a new client each time: SDK clients cache tools/list for the server's ttlMs.
        await using a = await connectAs("2026-07-28", gateway.mcpUrl, alice);
        names = await toolNames(a);
        return names.includes("text_stats");
      });
      assert.ok(changed, `still ${names}\n${gateway.stderrLines().join("\n")}`);
      assert.deepEqual(names, ["demo_echo", "text_stats"]);
    });

    await t.step("a revoked key is refused", async () => {
      const revoked = await runNexus(["clients", "revoke", "bob"], env);
      assert.equal(revoked.code, 0, revoked.stderr);
      const refused = await waitUntilAsync(async () => {
        const response = await fetch(gateway.mcpUrl, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${bob}` },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
        });
        await response.body?.cancel();
        return response.status === 401;
      });
      assert.ok(refused, "the revoked key still worked after 5 s");
    });
  } finally {
    await gateway.stop();
    await Deno.remove(dataDir, { recursive: true });
  }
});

async function waitUntilAsync(check: () => Promise<boolean>, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}
