/**
 * The conformance fixture (`tests/_support/conformance_fixture_serve.ts`) with real SDK clients:
 * both eras over HTTP (2025 on a session, so server-to-client requests work), and stdio.
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { serveFixtureHttp } from "../_support/conformance_fixture_serve.ts";
import { connect, eraOptions, ERAS, REPO_ROOT } from "../_support/gateway.ts";

const ENTRY = fileURLToPath(new URL("../_support/conformance_fixture_serve.ts", import.meta.url));

function textOf(result: unknown): string {
  const content = (result as { content: Array<{ text?: string }> }).content;
  return content.map((block) => block.text ?? "").join("");
}

const CAPABILITIES = { elicitation: { form: {} }, sampling: {}, roots: {} };

function answerEverything(client: Client): void {
  client.setRequestHandler("elicitation/create", () => ({
    action: "accept",
    content: { response: "yes", name: "Ada" },
  }));
  client.setRequestHandler("sampling/createMessage", () => ({
    role: "assistant",
    content: { type: "text", text: "Paris" },
    model: "test",
    stopReason: "endTurn",
  }));
  client.setRequestHandler("roots/list", () => ({ roots: [{ uri: "file:///r", name: "r" }] }));
}

for (const era of ERAS) {
  Deno.test(`conformance fixture over HTTP, ${era}: tools, prompts, resources, input requests`, async () => {
    const fixture = serveFixtureHttp();
    try {
      await using client = await connect(era, fixture.url, {
        client: { capabilities: CAPABILITIES },
      });
      answerEverything(client);
      const names = (await client.listTools()).tools.map((tool) => tool.name);
      assert.ok(names.includes("test_simple_text") && names.includes("json_schema_2020_12_tool"));
      const simple = await client.callTool({ name: "test_simple_text", arguments: {} });
      assert.equal(textOf(simple), "This is a simple text response for testing.");
      const failed = await client.callTool({ name: "test_error_handling", arguments: {} });
      assert.equal(failed.isError, true);
      const prompt = await client.getPrompt({
        name: "test_prompt_with_arguments",
        arguments: { arg1: "hello", arg2: "world" },
      });
      assert.deepEqual(prompt.messages[0]?.content, {
        type: "text",
        text: "Prompt with arguments: arg1='hello', arg2='world'",
      });
      const read = await client.readResource({ uri: "test://template/123/data" });
      assert.match(JSON.stringify(read.contents), /Data for ID: 123/);
      await assert.rejects(client.readResource({ uri: "test://nope" }));
      const greeted = await client.callTool({
        name: "test_input_required_result_elicitation",
        arguments: {},
      });
      assert.equal(textOf(greeted), "Hello, Ada!");
      const sampled = await client.callTool({ name: "test_sampling", arguments: { prompt: "?" } });
      assert.equal(textOf(sampled), "LLM response: Paris");
      const rounds = await client.callTool({
        name: "test_input_required_result_multi_round",
        arguments: {},
      });
      assert.match(textOf(rounds), /^Done: color=/);
    } finally {
      await fixture.close();
    }
  });
}

Deno.test("conformance fixture over stdio answers a 2026-07-28 client", async () => {
  const client = new Client({ name: "fixture-test", version: "1.0.0" }, {
    ...eraOptions("2026-07-28"),
    capabilities: CAPABILITIES,
  });
  answerEverything(client);
  const transport = new StdioClientTransport({
    command: Deno.execPath(),
    args: ["run", "--quiet", "--no-prompt", ENTRY, "--stdio"],
    cwd: REPO_ROOT,
    stderr: "ignore",
  });
  await client.connect(transport);
  try {
    assert.equal(client.getNegotiatedProtocolVersion(), "2026-07-28");
    const result = await client.callTool({ name: "test_image_content", arguments: {} });
    assert.equal((result.content as Array<{ type: string }>)[0]?.type, "image");
    const state = await client.callTool({
      name: "test_input_required_result_request_state",
      arguments: {},
    });
    assert.match(textOf(state), /state-ok/);
  } finally {
    await client.close();
  }
});
