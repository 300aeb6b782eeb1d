/**
 * The gateway fronting the conformance fixture (`tests/_support/conformance_fixture*.ts`) as an
 * HTTP upstream, with real SDK clients of both eras: what the conformance comparison found lost
 * on the way through the gateway, checked directly (the upstream's JSON-RPC errors relayed as
 * they were).
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

    await t.step("an upstream's tool error stays an isError result", async () => {
      await using client = await connect("2026-07-28", gateway.mcpUrl);
      const result = await client.callTool({ name: "test_error_handling", arguments: {} });
      assert.equal(result.isError, true);
    });
  } finally {
    await fixture.close();
  }
});
