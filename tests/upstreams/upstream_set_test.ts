/**
 * `createUpstreamSet()` against a real SDK v2 upstream over HTTP: federation rules applied to the
 * real listing, calls through the `mcp` backend, an unreachable upstream left out.
 */

import assert from "node:assert/strict";
import { executeTool } from "../../lib/backends/mod.ts";
import type { GatewayError } from "../../lib/errors.ts";
import { silentLogger } from "../../lib/log.ts";
import { readUpstreamSpecs } from "../../lib/upstream_spec.ts";
import { createUpstreamSet, type UpstreamEntry } from "../../lib/upstreams/mod.ts";
import { startMcpUpstream } from "../_support/mcp_upstream.ts";

function entry(value: Record<string, unknown>): UpstreamEntry {
  const { specs, problems } = readUpstreamSpecs([value]);
  assert.deepEqual(problems, []);
  return { spec: specs[0]!, source: { file: "nexus.yaml", line: 1 } };
}

const CALL = {
  signal: new AbortController().signal,
  logger: silentLogger,
  egressOrigins: new Set<string>(),
};

Deno.test("sync() lists an HTTP upstream's tools with allow, deny, rename, describe and prefix applied", async () => {
  await using upstream = startMcpUpstream();
  const set = createUpstreamSet({ logger: silentLogger, retryMs: 0 });
  try {
    await set.sync([entry({
      name: "fx",
      url: upstream.url,
      tools: {
        allow: ["*"],
        deny: ["internal_*"],
        rename: { echo: "say" },
        describe: { fail: "Fails on purpose." },
      },
    })]);
    const [list] = set.lists();
    const names = list!.tools.map((tool) => tool.name).sort();
    assert.deepEqual(names, ["fx_admin_reset", "fx_fail", "fx_say", "fx_slow", "fx_structured"]);
    const fail = list!.tools.find((tool) => tool.name === "fx_fail")!;
    assert.equal(fail.description, "Fails on purpose.");
    const [report] = set.reports();
    assert.equal(report!.state.status, "running");
    assert.equal(report!.state.protocolVersion, "2026-07-28");
    assert.equal(report!.tools, 5);
  } finally {
    await set.close();
  }
});

Deno.test("a 2025-only upstream is reached over the 2025 handshake and its tools called", async () => {
  await using upstream = startMcpUpstream({ legacyOnly: true });
  const set = createUpstreamSet({ logger: silentLogger, retryMs: 0 });
  try {
    await set.sync([entry({ name: "old", url: upstream.url })]);
    assert.equal(set.reports()[0]!.state.protocolVersion, "2025-11-25");
    const echo = set.lists()[0]!.tools.find((tool) => tool.name === "old_echo")!;
    const outcome = await executeTool(echo, { text: "then" }, CALL);
    assert.deepEqual(outcome.result.content, [{ type: "text", text: "echo: then" }]);
    assert.ok(upstream.protocolVersions().includes("2025-11-25"));
  } finally {
    await set.close();
  }
});

Deno.test("a federated call reaches the upstream with its original name and passes the result through", async () => {
  await using upstream = startMcpUpstream();
  const set = createUpstreamSet({ logger: silentLogger, retryMs: 0 });
  try {
    await set.sync([
      entry({ name: "fx", url: upstream.url, prefix: "", tools: { rename: { echo: "say" } } }),
    ]);
    const tools = new Map(set.lists()[0]!.tools.map((tool) => [tool.name, tool]));
    const echo = await executeTool(tools.get("say")!, { text: "hi" }, CALL);
    assert.deepEqual(echo.result, {
      content: [{ type: "text", text: "echo: hi" }],
      _meta: { "example.com/trace": "t-1" },
    });
    assert.equal(upstream.calls("echo"), 1);
    const fail = await executeTool(tools.get("fail")!, {}, CALL);
    assert.equal(fail.result.isError, true);
    const structured = await executeTool(tools.get("structured")!, { n: 21 }, CALL);
    assert.deepEqual(structured.result.structuredContent, { doubled: 42 });
  } finally {
    await set.close();
  }
});

Deno.test("an unreachable upstream contributes no tools and reports its last error", async () => {
  await using upstream = startMcpUpstream();
  const dead = unusedUrl();
  const set = createUpstreamSet({ logger: silentLogger, retryMs: 0 });
  try {
    await set.sync([
      entry({ name: "dead", url: dead }),
      entry({ name: "live", url: upstream.url }),
    ]);
    const lists = Object.fromEntries(set.lists().map((list) => [list.upstream, list.tools.length]));
    assert.deepEqual(lists, { dead: 0, live: 6 });
    const report = set.reports().find((item) => item.name === "dead")!;
    assert.equal(report.state.status, "failed");
    assert.ok(report.state.lastError, "the failure is reported");
  } finally {
    await set.close();
  }
});

Deno.test("an upstream that comes up later is connected and listed on the next refresh", async () => {
  const url = unusedUrl();
  const set = createUpstreamSet({ logger: silentLogger, retryMs: 0 });
  try {
    await set.sync([entry({ name: "late", url })]);
    assert.equal(set.reports()[0]!.state.status, "failed");
    await using _upstream = startMcpUpstream({ port: Number(new URL(url).port) });
    await set.refresh();
    assert.equal(set.reports()[0]!.state.status, "running");
    assert.equal(set.lists()[0]!.tools.length, 6);
  } finally {
    await set.close();
  }
});

Deno.test("a call past the upstream's timeout fails with UPSTREAM_TIMEOUT", async () => {
  await using upstream = startMcpUpstream();
  const set = createUpstreamSet({ logger: silentLogger, retryMs: 0 });
  try {
    await set.sync([entry({ name: "fx", url: upstream.url, timeout: "150ms" })]);
    const slow = set.lists()[0]!.tools.find((tool) => tool.name === "fx_slow")!;
    await assert.rejects(
      executeTool(slow, { ms: 2000 }, CALL),
      (error: GatewayError) => error.code === "UPSTREAM_TIMEOUT",
    );
  } finally {
    await set.close();
  }
});

Deno.test("maxConcurrent refuses a call beyond the bound with UPSTREAM_UNAVAILABLE", async () => {
  await using upstream = startMcpUpstream();
  const set = createUpstreamSet({ logger: silentLogger, retryMs: 0 });
  try {
    await set.sync([entry({ name: "fx", url: upstream.url, maxConcurrent: 1 })]);
    const slow = set.lists()[0]!.tools.find((tool) => tool.name === "fx_slow")!;
    const first = executeTool(slow, { ms: 300 }, CALL);
    await assert.rejects(
      executeTool(slow, { ms: 0 }, CALL),
      (error: GatewayError) => error.code === "UPSTREAM_UNAVAILABLE" && /busy/.test(error.message),
    );
    assert.equal((await first).result.isError, undefined);
    const after = await executeTool(slow, { ms: 0 }, CALL);
    assert.deepEqual(after.result.content, [{ type: "text", text: "slept" }]);
  } finally {
    await set.close();
  }
});

Deno.test("a stdio upstream is reported as not available in this build, never started", async () => {
  const set = createUpstreamSet({ logger: silentLogger, retryMs: 0 });
  try {
    await set.sync([entry({ name: "local", stdio: { command: "/no/such/server" } })]);
    assert.deepEqual(set.reports(), [{
      name: "local",
      state: {
        status: "failed",
        restarts: 0,
        lastError: "stdio upstreams are not available in this build",
      },
      tools: 0,
    }]);
  } finally {
    await set.close();
  }
});

/** An MCP URL on a loopback port nothing listens on. */
function unusedUrl(): string {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return `http://127.0.0.1:${port}/mcp`;
}
