/**
 * A real stdio MCP server from npm (`@modelcontextprotocol/server-everything`, pinned, installed
 * with npm by test support) behind the real gateway: listed with the prefix and called by real SDK
 * clients of both eras, and no process of it left once the gateway stopped. An install that fails
 * fails this test with npm's output; it is never skipped.
 */

import assert from "node:assert/strict";
import { connectAs, createClientKey } from "../_support/auth_fixtures.ts";
import { createGatewayToolsDir, ERAS, startGateway } from "../_support/gateway.ts";
import { installNpmPackage, SERVER_EVERYTHING } from "../_support/npm_package.ts";
import { processTable, waitGone } from "../_support/processes.ts";

function textOf(result: unknown): string {
  const content = (result as { content: Array<{ text?: string }> }).content;
  return content.map((block) => block.text ?? "").join("");
}

Deno.test("npm server-everything over stdio behind the gateway: listed, called, reaped on stop", async (t) => {
  const entry = await installNpmPackage(SERVER_EVERYTHING);
  const marker = `nexus-npm-e2e-${crypto.randomUUID()}`;
  const dataDir = await Deno.makeTempDir({ prefix: "nexus-e2e-npm-" });
  try {
    const env = { NEXUS_DATA_DIR: dataDir };
    const key = await createClientKey("alice", env);
    await using tools = await createGatewayToolsDir({
      "everything.yaml": `upstreams:
  - name: everything
    stdio:
      command: node
      args: [${JSON.stringify(entry)}, stdio, ${JSON.stringify(marker)}]
`,
    });
    const gateway = await startGateway({ toolsDir: tools.dir, env });
    let pgid = 0;
    try {
      for (const era of ERAS) {
        await t.step(
          `${era}: the package's tools are listed with the prefix and called`,
          async () => {
            await using client = await connectAs(era, gateway.mcpUrl, key);
            const names = (await client.listTools()).tools.map((tool) => tool.name);
            for (const name of ["everything_echo", "everything_get-sum", "text_stats"]) {
              assert.ok(names.includes(name), `${name} missing from ${names.join(", ")}`);
            }
            const echo = await client.callTool({
              name: "everything_echo",
              arguments: { message: era },
            });
            assert.equal(textOf(echo), `Echo: ${era}`);
            const sum = await client.callTool({
              name: "everything_get-sum",
              arguments: { a: 2, b: 40 },
            });
            assert.match(textOf(sum), /\b42\b/);
          },
        );
      }

      await t.step("one node process serves every client", async () => {
        const children = (await processTable()).filter((p) => p.cmdline.includes(marker));
        assert.equal(children.length, 1, JSON.stringify(children));
        pgid = children[0]!.pgid;
        assert.equal(pgid, children[0]!.pid, "the child leads its own process group");
      });
    } finally {
      await gateway.stop();
    }

    await t.step("stopping the gateway leaves no process of the package", async () => {
      assert.ok(pgid > 0);
      const left = await waitGone(async () =>
        (await processTable())
          .filter((p) => p.pgid === pgid || p.cmdline.includes(marker))
          .map((p) => p.pid)
      );
      assert.deepEqual(left, []);
    });
  } finally {
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
});
