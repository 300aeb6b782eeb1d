/**
 * `start: lazy | boot` inside `createGateway()`: a boot upstream is contacted while the gateway
 * starts; a lazy one only at the first MCP request, whose first `tools/list` already holds its
 * tools. A probe request does not count as use. Real SDK client, real fixture upstreams.
 */

import assert from "node:assert/strict";
import { createGateway } from "../../lib/gateway/mod.ts";
import { silentLogger } from "../../lib/log.ts";
import { connect } from "../_support/gateway.ts";
import { startMcpUpstream } from "../_support/mcp_upstream.ts";
import { testGatewayConfig } from "./_config.ts";

Deno.test("a lazy upstream is first contacted at the gateway's first MCP request, a boot one at start", async () => {
  await using lazy = startMcpUpstream();
  await using boot = startMcpUpstream();
  await using setup = await testGatewayConfig({ NEXUS_ALLOW_ANONYMOUS: "true" });
  await Deno.writeTextFile(
    `${setup.config.toolsDir}/up.yaml`,
    `upstreams:
  - name: lz
    url: ${lazy.url}
  - name: bt
    url: ${boot.url}
    start: boot
`,
  );
  const gateway = await createGateway(setup.config, { logger: silentLogger });
  try {
    assert.ok(boot.authorizations().length > 0, "the boot upstream was contacted at start");
    assert.deepEqual(lazy.authorizations(), [], "the lazy upstream was not");
    const fetchGateway = (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init);
      request.headers.set("host", "127.0.0.1");
      return Promise.resolve(gateway.fetch(request));
    };
    await (await fetchGateway("http://127.0.0.1/healthz")).body?.cancel();
    assert.deepEqual(lazy.authorizations(), [], "a probe is not a use");

    await using client = await connect("2026-07-28", "http://127.0.0.1/mcp", {
      fetch: fetchGateway,
    });
    const names = (await client.listTools()).tools.map((tool) => tool.name);
    assert.ok(names.includes("lz_echo"), names.join(", "));
    assert.ok(names.includes("bt_echo"), names.join(", "));
    assert.ok(lazy.authorizations().length > 0);
    const echo = await client.callTool({ name: "lz_echo", arguments: { text: "hi" } });
    assert.deepEqual(echo.content, [{ type: "text", text: "echo: hi" }]);
  } finally {
    await gateway.close();
  }
});
