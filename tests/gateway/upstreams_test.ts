/**
 * Federation inside `createGateway()`: upstreams declared in a tool file hot-reload, a runtime
 * name clash keeps the file tool and logs both sources, and a read-only federated tool with a
 * cache TTL is served from the response cache. Real SDK client, real fixture upstream.
 */

import assert from "node:assert/strict";
import { createGateway } from "../../lib/gateway/mod.ts";
import { createLogger } from "../../lib/log.ts";
import { connect } from "../_support/gateway.ts";
import { startMcpUpstream } from "../_support/mcp_upstream.ts";
import { yamlTools } from "../_support/registry_fixtures/tools_dir.ts";
import { testGatewayConfig } from "./_config.ts";

function upstreamFile(url: string): string {
  return `upstreams:
  - name: fx
    url: ${url}
    prefix: ""
    cache: { ttl: 1m }
    tools: { allow: [echo, fail, admin_reset] }
`;
}

Deno.test("tool-file upstreams hot-reload, clash with file tools by name, and use the cache", async (t) => {
  await using upstream = startMcpUpstream();
  await using setup = await testGatewayConfig({
    NEXUS_HOT_RELOAD: "true",
    NEXUS_ALLOW_ANONYMOUS: "true",
    // Why: a 2026-07-28 client honours the list's cache hint; the test must see each change.
    NEXUS_LIST_TTL_MS: "0",
  });
  const dir = setup.config.toolsDir;
  await Deno.writeTextFile(`${dir}/clash.yaml`, yamlTools("fail"));
  const lines: string[] = [];
  const logger = createLogger({ level: "info", sink: (line) => lines.push(line) });
  const gateway = await createGateway(setup.config, { logger });
  try {
    const fetchGateway = (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init);
      request.headers.set("host", "127.0.0.1");
      return Promise.resolve(gateway.fetch(request));
    };
    await using client = await connect("2026-07-28", "http://127.0.0.1/mcp", {
      fetch: fetchGateway,
    });
    const names = async () => (await client.listTools()).tools.map((tool) => tool.name).sort();
    assert.deepEqual(await names(), ["fail", "probe_tool"]);

    await t.step("an upstreams file added under tools/ federates its tools", async () => {
      await Deno.writeTextFile(`${dir}/up.yaml`, upstreamFile(upstream.url));
      assert.ok(await poll(async () => (await names()).includes("echo")), lines.join("\n"));
      assert.deepEqual(await names(), ["admin_reset", "echo", "fail", "probe_tool"]);
    });

    await t.step("a clash keeps the file tool and logs a problem naming both sources", async () => {
      const fail = (await client.listTools()).tools.find((tool) => tool.name === "fail");
      assert.equal(fail?.description, "Tool fail");
      const problem = lines.find((line) =>
        line.includes(
          `tool \\"fail\\" of upstream \\"fx\\" clashes with the same name from tool file ${dir}/clash.yaml:2`,
        )
      );
      assert.ok(problem, lines.join("\n"));
    });

    await t.step("a read-only tool with a cache TTL is served from the cache", async () => {
      for (let i = 0; i < 3; i++) {
        const result = await client.callTool({ name: "echo", arguments: { text: "same" } });
        assert.deepEqual(result.content, [{ type: "text", text: "echo: same" }]);
      }
      assert.equal(upstream.calls("echo"), 1);
      await client.callTool({ name: "admin_reset", arguments: {} });
      await client.callTool({ name: "admin_reset", arguments: {} });
      assert.equal(upstream.calls("admin_reset"), 2, "a tool not marked read-only is never cached");
    });

    await t.step("removing the file drops the upstream's tools", async () => {
      await Deno.remove(`${dir}/up.yaml`);
      assert.ok(await poll(async () => !(await names()).includes("echo")), lines.join("\n"));
      assert.deepEqual(await names(), ["fail", "probe_tool"]);
    });
  } finally {
    await gateway.close();
  }
});

async function poll(condition: () => Promise<boolean>, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return await condition();
}
