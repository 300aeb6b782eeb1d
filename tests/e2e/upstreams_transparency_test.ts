/**
 * The gateway fronting the conformance fixture (`tests/_support/conformance_fixture*.ts`) as an
 * HTTP upstream, with real SDK clients of both eras: what the conformance comparison found lost
 * on the way through the gateway, checked directly (the upstream's JSON-RPC errors relayed as
 * they were, `input_required` on `prompts/get`, `Mcp-Param-*` headers checked).
 */

import assert from "node:assert/strict";
import { ProtocolError } from "@modelcontextprotocol/client";
import { serveFixtureHttp } from "../_support/conformance_fixture_serve.ts";
import { connect, createGatewayToolsDir, ERAS, startGateway } from "../_support/gateway.ts";

Deno.test("transparency: the conformance fixture behind the gateway, both eras", async (t) => {
  const fixture = serveFixtureHttp();
  try {
    await using tools = await createGatewayToolsDir({
      "fixture.yaml": `upstreams:\n  - name: fixture\n    prefix: ""\n    url: ${fixture.url}\n`,
    });
    await using gateway = await startGateway({ toolsDir: tools.dir });

    for (const era of ERAS) {
      await t.step(
        `${era} client: the upstream's -32021 is relayed as a JSON-RPC error`,
        async () => {
          await using client = await connect(era, gateway.mcpUrl);
          const error = await client.callTool({ name: "test_missing_capability", arguments: {} })
            .then(() => assert.fail("the call must be refused"), (error: unknown) => error);
          assert.ok(ProtocolError.isInstance(error), `not a JSON-RPC error: ${String(error)}`);
          assert.equal(error.code, -32021);
          assert.deepEqual(error.data, { requiredCapabilities: { sampling: {} } });
        },
      );
    }

    for (const era of ERAS) {
      await t.step(`${era} client: prompts/get asks the client for input (SEP-2322)`, async () => {
        // Why a session for 2025: the SDK's shim sends the upstream's input request on it.
        await using client = await connect(era, gateway.mcpUrl, {
          client: { capabilities: { elicitation: { form: {} } } },
        });
        const asked: unknown[] = [];
        client.setRequestHandler("elicitation/create", (request) => {
          asked.push(request.params.message);
          return { action: "accept", content: { context: `ctx-${era}` } };
        });
        const prompt = await client.getPrompt({ name: "test_input_required_result_prompt" });
        assert.deepEqual(asked, ["What context should the prompt use?"]);
        assert.deepEqual(prompt.messages[0]?.content, {
          type: "text",
          text: `Use this context: ctx-${era}`,
        });
      });
    }

    await t.step("2026-07-28 client: the upstream's input_required result, by hand", async () => {
      await using client = await connect("2026-07-28", gateway.mcpUrl, {
        client: { capabilities: { elicitation: { form: {} } } },
      });
      const first = await client.request(
        { method: "prompts/get", params: { name: "test_input_required_result_prompt" } },
        { allowInputRequired: true },
      ) as { resultType?: string; inputRequests?: Record<string, unknown> };
      assert.equal(first.resultType, "input_required");
      assert.deepEqual(Object.keys(first.inputRequests ?? {}), ["user_context"]);
      const second = await client.request({
        method: "prompts/get",
        params: {
          name: "test_input_required_result_prompt",
          inputResponses: { user_context: { action: "accept", content: { context: "by hand" } } },
        },
      } as never) as { messages: Array<{ content: unknown }> };
      assert.deepEqual(second.messages[0]?.content, {
        type: "text",
        text: "Use this context: by hand",
      });
    });

    await t.step(
      "2026-07-28: Mcp-Param headers are checked against the arguments (SEP-2243)",
      async () => {
        await using client = await connect("2026-07-28", gateway.mcpUrl);
        await client.listTools();
        // Why: the SDK client mirrors `region` into Mcp-Param-Region, so the call goes through.
        const result = await client.callTool({
          name: "test_custom_headers",
          arguments: { region: "eu" },
        });
        assert.equal(result.isError, undefined);
        const call = (headers: Record<string, string>) =>
          fetch(gateway.mcpUrl, {
            method: "POST",
            headers: {
              "content-type": "application/json",
              accept: "application/json, text/event-stream",
              "mcp-protocol-version": "2026-07-28",
              "mcp-method": "tools/call",
              "mcp-name": "test_custom_headers",
              ...headers,
            },
            body: JSON.stringify({
              jsonrpc: "2.0",
              id: 9,
              method: "tools/call",
              params: {
                name: "test_custom_headers",
                arguments: { region: "eu" },
                _meta: {
                  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                  "io.modelcontextprotocol/clientCapabilities": {},
                },
              },
            }),
          });
        const refused: Array<Record<string, string>> = [
          {},
          { "mcp-param-region": "us" },
          { "mcp-param-region": "=?base64?ZXU?=" },
        ];
        for (const headers of refused) {
          const response = await call(headers);
          assert.equal(response.status, 400, JSON.stringify(headers));
          const answer = await response.json();
          assert.equal(answer.id, 9);
          assert.equal(answer.error.code, -32020);
        }
        const encoded = await call({ "mcp-param-region": "=?base64?ZXU=?=" });
        assert.equal(encoded.status, 200);
        await encoded.body?.cancel();
      },
    );

    await t.step("an upstream's tool error stays an isError result", async () => {
      await using client = await connect("2026-07-28", gateway.mcpUrl);
      const result = await client.callTool({ name: "test_error_handling", arguments: {} });
      assert.equal(result.isError, true);
    });
  } finally {
    await fixture.close();
  }
});
