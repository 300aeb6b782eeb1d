/**
 * Credential injection and redaction through `executeTool()` against a real local upstream.
 */

import assert from "node:assert/strict";
import { executeTool } from "../../lib/backends/mod.ts";
import { createOutboundAuth } from "../../lib/credentials/inject.ts";
import { GatewayError } from "../../lib/errors.ts";
import { Secret } from "../../lib/secret.ts";
import { startUpstream } from "../_support/upstream_server.ts";
import { executeOptions, httpTool } from "./_tools.ts";

const TOKEN = "tok-9f8e7d6c5b4a";

function bearer() {
  return createOutboundAuth({
    headers: [["authorization", new Secret(`Bearer ${TOKEN}`)]],
    query: [["api_key", new Secret("qk-12345678")]],
    secrets: [new Secret(TOKEN), new Secret("qk-12345678")],
  });
}

Deno.test("executeTool() injects the credential and redacts an upstream echoing it back", async () => {
  const upstream = startUpstream();
  try {
    const tool = httpTool({
      url: `${upstream.url}/echo/me`,
      headers: { Authorization: "Bearer {who}" },
    });
    const options = executeOptions([upstream.origin], { outboundAuth: bearer() });
    const result = await executeTool(tool, { who: "argument-cannot-override" }, options);
    const text = JSON.stringify(result);
    assert.ok(!text.includes(TOKEN), "the token reached the result");
    assert.ok(!text.includes("qk-12345678"), "the query key reached the result");
    assert.ok(!text.includes("argument-cannot-override"), "the tool's own header was sent");
    const echoed = result.structuredContent as {
      headers: Record<string, string>;
      query: Record<string, string[]>;
    };
    assert.equal(echoed.headers.authorization, "[redacted]");
    assert.deepEqual(echoed.query.api_key, ["[redacted]"]);
    assert.ok(!options.lines.join("\n").includes(TOKEN), "the token reached the log");
  } finally {
    await upstream.close();
  }
});

Deno.test("executeTool() redacts the credential from an upstream error message", async () => {
  const body = `denied for Bearer ${TOKEN} (${encodeURIComponent("qk-12345678")})`;
  const upstream = startUpstream({
    routes: { "/deny": () => new Response(body, { status: 403 }) },
  });
  try {
    const tool = httpTool({ url: `${upstream.url}/deny` });
    await assert.rejects(
      () => executeTool(tool, {}, executeOptions([upstream.origin], { outboundAuth: bearer() })),
      (error: unknown) => {
        assert.ok(error instanceof GatewayError);
        assert.equal(error.code, "UPSTREAM_ERROR");
        assert.equal(error.data?.status, 403);
        assert.match(error.message, /denied for \[redacted\] \(\[redacted\]\)/);
        return true;
      },
    );
  } finally {
    await upstream.close();
  }
});
