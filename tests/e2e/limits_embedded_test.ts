/**
 * One gateway without Redis (embedded mode): the same limits and cache, in-process, seen by real
 * SDK clients of both protocol eras.
 */

import assert from "node:assert/strict";
import { ProtocolError } from "@modelcontextprotocol/client";
import { connect, ERAS, startGateway } from "../_support/gateway.ts";
import { upstreamToolsDir } from "../_support/cluster.ts";
import { startUpstream } from "../_support/upstream_server.ts";

const TOOLS = `
  - name: twice_a_minute
    description: Limited to 2 calls a minute per client.
    http: { url: /echo/limited, timeout: 5s }
    rateLimit: { perClient: 2/min }
  - name: cached_echo
    description: Cached for 30 s.
    annotations: { readOnlyHint: true }
    http: { url: /echo/cached, timeout: 5s }
    cache: { ttl: 30s }
`;

for (const era of ERAS) {
  Deno.test(`[${era}] embedded mode denies over-limit calls with -32029 and retryAfterMs`, async () => {
    const upstream = startUpstream();
    try {
      await using tools = await upstreamToolsDir(upstream.url, TOOLS);
      await using gateway = await startGateway({ toolsDir: tools.dir });
      await using client = await connect(era, gateway.mcpUrl);
      await client.callTool({ name: "twice_a_minute", arguments: {} });
      await client.callTool({ name: "twice_a_minute", arguments: {} });
      const error = await client.callTool({ name: "twice_a_minute", arguments: {} }).then(
        () => assert.fail("expected RATE_LIMITED"),
        (error: unknown) => error,
      );
      assert.ok(error instanceof ProtocolError, String(error));
      assert.equal(error.code, -32029);
      const data = error.data as { retryAfterMs: number; scope: string; limit: string };
      assert.ok(data.retryAfterMs > 50_000 && data.retryAfterMs <= 66_000);
      assert.deepEqual([data.scope, data.limit], ["perClient", "2/min"]);
      assert.equal(upstream.hits("/echo/limited"), 2);

      const first = await client.callTool({ name: "cached_echo", arguments: { q: 1 } });
      const second = await client.callTool({ name: "cached_echo", arguments: { q: 1 } });
      assert.deepEqual(second.content, first.content);
      assert.equal(upstream.hits("/echo/cached"), 1);
    } finally {
      await upstream.close();
    }
  });
}
