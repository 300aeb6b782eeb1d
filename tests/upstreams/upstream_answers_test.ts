import assert from "node:assert/strict";
import { Client, InMemoryTransport } from "@modelcontextprotocol/client";
import { MissingRequiredClientCapabilityError, Server } from "@modelcontextprotocol/server";
import { isGatewayError } from "../../lib/errors.ts";
import {
  markUpstreamAnswers,
  relayUpstreamAnswer,
  upstreamAnswer,
} from "../../lib/upstreams/upstream_answers.ts";

const OUTPUT_SCHEMA = {
  type: "object",
  properties: { count: { type: "number" } },
  required: ["count"],
} as const;

/** A real SDK server: `needs_sampling` rejects with -32021, `bad_output` breaks its outputSchema. */
async function connected(): Promise<Client & AsyncDisposable> {
  const server = new Server({ name: "up", version: "1.0.0" }, { capabilities: { tools: {} } });
  server.setRequestHandler("tools/list", () => ({
    tools: [
      { name: "needs_sampling", inputSchema: { type: "object" } },
      { name: "bad_output", inputSchema: { type: "object" }, outputSchema: OUTPUT_SCHEMA },
    ],
  }));
  server.setRequestHandler("tools/call", (request) => {
    if (request.params.name === "needs_sampling") {
      throw new MissingRequiredClientCapabilityError({ requiredCapabilities: { sampling: {} } });
    }
    return { content: [], structuredContent: { count: "many" } };
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: "gw", version: "1.0.0" });
  markUpstreamAnswers(client);
  await client.connect(clientSide);
  return Object.assign(client, {
    async [Symbol.asyncDispose]() {
      await client.close();
      await server.close();
    },
  });
}

Deno.test("upstreamAnswer() reads the upstream's JSON-RPC error as it was sent", async () => {
  await using client = await connected();
  const error = await client.callTool({ name: "needs_sampling", arguments: {} }).then(
    () => assert.fail("the call must reject"),
    (error: unknown) => error,
  );
  const answer = upstreamAnswer(error);
  assert.equal(answer?.code, -32021);
  assert.deepEqual(answer?.data, { requiredCapabilities: { sampling: {} } });
  const relayed = relayUpstreamAnswer(error, "up");
  assert.ok(isGatewayError(relayed));
  assert.equal(relayed.code, "UPSTREAM_REJECTED");
  assert.deepEqual(relayed.relayed, answer);
  assert.equal(relayed.mapping.toolResult, false);
});

Deno.test("upstreamAnswer() ignores the SDK client's own errors, numeric code or not", async () => {
  await using client = await connected();
  await client.listTools();
  // Why: the SDK client checks structured content against the cached outputSchema itself and
  // raises -32602; relaying it would report the upstream's fault as the client's.
  const local = await client.callTool({ name: "bad_output", arguments: {} }).then(
    () => assert.fail("the call must reject"),
    (error: unknown) => error,
  );
  assert.equal((local as { code?: unknown }).code, -32602);
  assert.equal(upstreamAnswer(local), undefined);
  assert.equal(relayUpstreamAnswer(local, "up"), local);
  assert.equal(upstreamAnswer(new Error("plain")), undefined);
  assert.equal(upstreamAnswer(undefined), undefined);
});
