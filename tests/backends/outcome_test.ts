/** What a backend answers besides its result: the upstream's status and headers, typed. */

import assert from "node:assert/strict";
import { executeTool } from "../../lib/backends/mod.ts";
import { createOutboundAuth } from "../../lib/credentials/inject.ts";
import { Secret } from "../../lib/secret.ts";
import { startUpstream } from "../_support/upstream_server.ts";
import { executeOptions, httpTool, rejectsWith, tsTool } from "./_tools.ts";

Deno.test("executeTool() returns the upstream's status and headers with the result", async () => {
  const upstream = startUpstream({
    routes: {
      "/quota": () => Response.json({ ok: true }, { headers: { "x-ratelimit-remaining": "3" } }),
    },
  });
  try {
    const outcome = await executeTool(
      httpTool({ url: `${upstream.url}/quota` }),
      {},
      executeOptions([upstream.origin]),
    );
    assert.deepEqual(outcome.result.structuredContent, { ok: true });
    assert.equal(outcome.upstream?.status, 200);
    assert.equal(outcome.upstream?.headers.get("x-ratelimit-remaining"), "3");
    const local = await executeTool(tsTool(() => "hi"), {}, executeOptions([]));
    assert.equal(local.upstream, undefined, "an in-process tool has no upstream");
  } finally {
    await upstream.close();
  }
});

Deno.test("executeTool() types an upstream error's status and headers in error.upstream", async () => {
  const upstream = startUpstream();
  try {
    const tool = httpTool({ url: `${upstream.url}/respond?status=429&retryAfter=30` });
    const error = await rejectsWith(
      executeTool(tool, {}, executeOptions([upstream.origin])),
      "UPSTREAM_ERROR",
    );
    assert.equal(error.upstream?.status, 429);
    assert.equal(error.upstream?.headers.get("retry-after"), "30");
  } finally {
    await upstream.close();
  }
});

Deno.test("executeTool() keeps the upstream's answer on a body timeout and through redaction", async () => {
  const upstream = startUpstream();
  try {
    const slow = httpTool({ url: `${upstream.url}/slow-body/2000`, timeoutMs: 200 });
    const timedOut = await rejectsWith(
      executeTool(slow, {}, executeOptions([upstream.origin])),
      "UPSTREAM_TIMEOUT",
    );
    assert.equal(timedOut.upstream?.status, 200, "the headers had arrived");
    const failing = httpTool({ url: `${upstream.url}/respond?status=503&body=down` });
    const outboundAuth = createOutboundAuth({
      headers: [["authorization", new Secret("Bearer tok-outcome-1")]],
      secrets: [new Secret("tok-outcome-1")],
    });
    const options = executeOptions([upstream.origin], { outboundAuth });
    const redacted = await rejectsWith(executeTool(failing, {}, options), "UPSTREAM_ERROR");
    assert.equal(redacted.upstream?.status, 503);
    const refused = httpTool({ url: "http://127.0.0.1:9/none" });
    const unreachable = await rejectsWith(
      executeTool(refused, {}, executeOptions(["http://127.0.0.1:9"])),
      "UPSTREAM_UNAVAILABLE",
    );
    assert.equal(unreachable.upstream, undefined, "no answer, no status");
  } finally {
    await upstream.close();
  }
});
