import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { createLogger } from "../../lib/log.ts";
import { type StdioUpstreamSpec, superviseStdio } from "../../lib/upstreams/mod.ts";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const RAW = fileURLToPath(new URL("../_support/raw_stdio_server.ts", import.meta.url));
const ARGS = ["run", "--quiet", "--no-prompt", RAW];

function rawSpec(): StdioUpstreamSpec {
  return {
    name: "raw",
    command: Deno.execPath(),
    args: ARGS,
    env: { NO_COLOR: "1" },
    cwd: REPO_ROOT,
  };
}

function supervise() {
  return superviseStdio(rawSpec(), { logger: createLogger({ level: "error", sink: () => {} }) });
}

function textOf(result: unknown): string {
  const content = (result as { content: Array<{ text?: string }> }).content;
  return content.map((block) => block.text ?? "").join("");
}

/** The message a call fails with, or "resolved". */
async function failureOf(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return "resolved";
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

Deno.test("the child transport reads a response split across writes after a stray line, and 200 concurrent calls", async () => {
  const upstream = supervise();
  try {
    const client = await upstream.client();
    const split = await client.callTool({ name: "good", arguments: { split: true } });
    assert.equal(textOf(split), "split");
    assert.equal(textOf(await client.callTool({ name: "burst", arguments: {} })), "burst");
    const results = await Promise.all(
      Array.from({ length: 200 }, () => client.callTool({ name: "good", arguments: {} })),
    );
    assert.deepEqual(results.map(textOf), Array(200).fill("good"));
  } finally {
    await upstream.close();
  }
});

Deno.test("an upstream client refuses a malformed tools/call result with the SDK's own error text", async () => {
  const upstream = supervise();
  // Why a plain SDK client beside it: the cached validators must refuse exactly as the SDK does.
  const plain = new Client({ name: "plain", version: "1.0.0" });
  await plain.connect(
    new StdioClientTransport({ command: Deno.execPath(), args: ARGS, cwd: REPO_ROOT }),
  );
  try {
    const client = await upstream.client();
    for (const name of ["bad_content", "bad_block"]) {
      const ours = await failureOf(client.callTool({ name, arguments: {} }));
      const sdk = await failureOf(plain.callTool({ name, arguments: {} }));
      assert.match(ours, /^Invalid result for tools\/call: /);
      assert.equal(ours, sdk);
    }
    // The same client still answers the next, valid call.
    assert.equal(textOf(await client.callTool({ name: "good", arguments: {} })), "good");
  } finally {
    await plain.close();
    await upstream.close();
  }
});
