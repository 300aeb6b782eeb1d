/**
 * `createHttpConnection()`'s `lost()` with `recoveringClient()` against a real 2026-07-28 fixture
 * upstream (stateless, no session): a network failure (`fetch` raising `TypeError`) drops the
 * connection, a read-only call is retried once on a new one and a write is not; an upstream's
 * answer, a timeout or a 404 without a session is not a loss.
 */

import assert from "node:assert/strict";
import { ProtocolError, SdkError, SdkErrorCode } from "@modelcontextprotocol/client";
import type { GatewayError } from "../../lib/errors.ts";
import { silentLogger } from "../../lib/log.ts";
import { readUpstreamSpecs } from "../../lib/upstream_spec/mod.ts";
import { createHttpConnection, recoveringClient } from "../../lib/upstreams/mod.ts";
import { startMcpUpstream } from "../_support/mcp_upstream.ts";

function spec(url: string) {
  const { specs, problems } = readUpstreamSpecs([{ name: "fx", url }]);
  assert.deepEqual(problems, []);
  return specs[0]!;
}

/** `fetch`, failing the next `tools/call` POST with a network error once armed. */
function flakyFetch() {
  let armed = false;
  async function send(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    const request = new Request(input, init);
    if (armed && request.method === "POST") {
      const body = await request.clone().json().catch(() => null);
      if (body?.method === "tools/call") {
        armed = false;
        throw new TypeError("error sending request: connection reset");
      }
    }
    return await fetch(request);
  }
  return { send, arm: () => armed = true };
}

Deno.test("a dropped connection: a read-only call is retried once on a new connection, a write is not", async () => {
  await using upstream = startMcpUpstream();
  const flaky = flakyFetch();
  const connection = createHttpConnection(spec(upstream.url), {
    logger: silentLogger,
    fetch: flaky.send,
  });
  const client = recoveringClient(connection, {
    upstream: "fx",
    readOnly: (tool) => tool === "echo",
    logger: silentLogger,
  });
  try {
    await (await client()).callTool({ name: "echo", arguments: { text: "warm" } });
    flaky.arm();
    const echo = await (await client()).callTool({ name: "echo", arguments: { text: "hi" } });
    assert.deepEqual((echo as { content: unknown }).content, [{ type: "text", text: "echo: hi" }]);
    assert.equal(connection.state().restarts, 1);
    assert.equal(upstream.calls("echo"), 2);

    flaky.arm();
    await assert.rejects(
      (await client()).callTool({ name: "admin_reset", arguments: {} }),
      (error: GatewayError) =>
        error.code === "UPSTREAM_UNAVAILABLE" &&
        error.message ===
          'Upstream "fx" lost its connection: error sending request: connection reset during ' +
            'the call of "admin_reset"; the call was not retried: the tool is not marked ' +
            "readOnlyHint",
    );
    assert.equal(upstream.calls("admin_reset"), 0);
    await (await client()).callTool({ name: "admin_reset", arguments: {} });
    assert.equal(upstream.calls("admin_reset"), 1, "the next call works");
    assert.equal(connection.state().restarts, 2);
  } finally {
    await connection.close();
  }
});

Deno.test("lost() is undefined for answers, timeouts and a 404 without a session", async () => {
  await using upstream = startMcpUpstream();
  const connection = createHttpConnection(spec(upstream.url), { logger: silentLogger });
  try {
    const live = await connection.client();
    assert.equal(connection.lost!(live, new ProtocolError(-32602, "bad params")), undefined);
    assert.equal(
      connection.lost!(live, new SdkError(SdkErrorCode.RequestTimeout, "timed out")),
      undefined,
    );
    const notFound = Object.assign(new Error("Error POSTing to endpoint"), {
      code: "CLIENT_HTTP_NOT_IMPLEMENTED",
      data: { status: 404 },
    });
    assert.equal(
      connection.lost!(live, notFound),
      undefined,
      "a stateless upstream has no session",
    );
    assert.equal(await connection.client(), live, "the connection was kept");
  } finally {
    await connection.close();
  }
});
