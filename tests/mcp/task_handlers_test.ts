import assert from "node:assert/strict";
import { createMemoryCacheStore, createResponseCache } from "../../lib/cache/mod.ts";
import { silentLogger } from "../../lib/log.ts";
import { callTool, createCacheStages, NO_HOOKS } from "../../lib/mcp/mod.ts";
import { declaresTasks, withTaskCapability } from "../../lib/mcp/task_handlers.ts";
import { buildSnapshot } from "../../lib/registry/snapshot.ts";
import type { DownstreamCall } from "../../lib/registry/types.ts";
import { startUpstream } from "../_support/upstream_server.ts";
import { callerOf, httpTool } from "./_limits_fixtures.ts";

const CACHED = { annotations: { readOnlyHint: true }, cache: { ttlMs: 30_000 } };

const plainClient: DownstreamCall = {
  era: "modern",
  principalId: "anon:127.0.0.1",
  notify: () => Promise.resolve(),
  log: () => Promise.resolve(),
  accepts: { elicitation: false, sampling: false, roots: false },
  capabilities: { elicitation: {} },
};

Deno.test("the tasks capability is added to what the upstream is told, the rest kept", () => {
  assert.equal(declaresTasks(plainClient), false);
  const declaring = withTaskCapability(plainClient);
  assert.equal(declaresTasks(declaring), true);
  assert.deepEqual(declaring.capabilities, {
    elicitation: {},
    extensions: { "io.modelcontextprotocol/tasks": {} },
  });
});

Deno.test("a call that accepts a task bypasses the response cache; one that does not uses it", async () => {
  const upstream = startUpstream();
  try {
    const snapshot = buildSnapshot([httpTool("get", `${upstream.url}/echo/a`, CACHED)], 1);
    const { lookahead, serve } = createCacheStages({
      cache: createResponseCache({ store: createMemoryCacheStore(), logger: silentLogger }),
    });
    const run = (downstream: DownstreamCall) =>
      callTool(snapshot, { name: "get", arguments: {} }, {
        caller: callerOf("anon:127.0.0.1"),
        signal: new AbortController().signal,
        logger: silentLogger,
        requestId: crypto.randomUUID(),
        hooks: { ...NO_HOOKS, stages: [lookahead, serve] },
        downstream,
      });
    await run(withTaskCapability(plainClient));
    await run(withTaskCapability(plainClient));
    assert.equal(upstream.hits("/echo/a"), 2);
    await run(plainClient);
    await run(plainClient);
    assert.equal(upstream.hits("/echo/a"), 3);
  } finally {
    await upstream.close();
  }
});
