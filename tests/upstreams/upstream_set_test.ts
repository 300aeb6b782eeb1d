/**
 * `createUpstreamSet()` against a real SDK v2 upstream over HTTP: federation rules applied to the
 * real listing, calls through the `mcp` backend, an unreachable upstream left out; and a supervised
 * stdio upstream (the fixture child) with vault credentials resolved into its env at each start.
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { executeTool } from "../../lib/backends/mod.ts";
import type { GatewayError } from "../../lib/errors.ts";
import type { ResolvedCredential } from "../../lib/credentials/mod.ts";
import { silentLogger } from "../../lib/log.ts";
import { Secret } from "../../lib/secret.ts";
import { readUpstreamSpecs } from "../../lib/upstream_spec/mod.ts";
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
  const [url, otherUrl] = [unusedUrl(), unusedUrl()];
  const set = createUpstreamSet({ logger: silentLogger, retryMs: 0 });
  try {
    await set.sync([entry({ name: "late", url }), entry({ name: "other", url: otherUrl })]);
    assert.equal(set.reports()[0]!.state.status, "failed");
    await using _upstream = startMcpUpstream({ port: Number(new URL(url).port) });
    await using _other = startMcpUpstream({ port: Number(new URL(otherUrl).port) });
    // refresh(name) lists that upstream only (an approval announced by another instance).
    await set.refresh("late");
    assert.deepEqual(set.reports().map((report) => report.state.status), ["running", "failed"]);
    assert.equal(set.lists()[0]!.tools.length, 6);
    await set.refresh();
    assert.deepEqual(set.lists().map((list) => list.tools.length), [6, 6]);
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

Deno.test("maxConcurrent queues a call beyond the bound, which runs once a slot frees", async () => {
  await using upstream = startMcpUpstream();
  const set = createUpstreamSet({ logger: silentLogger, retryMs: 0 });
  try {
    await set.sync([entry({ name: "fx", url: upstream.url, maxConcurrent: 1 })]);
    const slow = set.lists()[0]!.tools.find((tool) => tool.name === "fx_slow")!;
    const first = executeTool(slow, { ms: 300 }, CALL);
    const queued = executeTool(slow, { ms: 0 }, CALL);
    assert.equal((await first).result.isError, undefined);
    assert.deepEqual((await queued).result.content, [{ type: "text", text: "slept" }]);
  } finally {
    await set.close();
  }
});

Deno.test("maxConcurrent refuses a call beyond the queue bound or after queueTimeout", async () => {
  await using upstream = startMcpUpstream();
  const set = createUpstreamSet({ logger: silentLogger, retryMs: 0 });
  try {
    await set.sync([
      entry({ name: "fx", url: upstream.url, maxConcurrent: 1, queue: 0 }),
      entry({ name: "fy", url: upstream.url, maxConcurrent: 1, queueTimeout: "100ms" }),
    ]);
    const [fx, fy] = set.lists().map((list) =>
      list.tools.find((tool) => /_slow$/.test(tool.name))!
    );
    const first = executeTool(fx!, { ms: 400 }, CALL);
    await assert.rejects(
      executeTool(fx!, { ms: 0 }, CALL),
      (error: GatewayError) =>
        error.code === "UPSTREAM_UNAVAILABLE" &&
        error.message === 'Upstream "fx" is busy: 1 calls in flight and the queue is full',
    );
    const held = executeTool(fy!, { ms: 400 }, CALL);
    await assert.rejects(
      executeTool(fy!, { ms: 0 }, CALL),
      (error: GatewayError) =>
        error.code === "UPSTREAM_UNAVAILABLE" &&
        error.message === 'Upstream "fy" is busy: no call slot freed within 100 ms',
    );
    await Promise.all([first, held]);
  } finally {
    await set.close();
  }
});

Deno.test("a failing upstream opens its circuit after N failures: calls fail fast, a probe closes it", async () => {
  let now = 1_000_000;
  let upstream = startMcpUpstream();
  const port = Number(new URL(upstream.url).port);
  const set = createUpstreamSet({ logger: silentLogger, retryMs: 0, now: () => now });
  try {
    await set.sync([entry({
      name: "gh",
      url: upstream.url,
      breaker: { failures: 3, resetAfter: "12s" },
    })]);
    const echo = set.lists()[0]!.tools.find((tool) => tool.name === "gh_echo")!;
    const fail = set.lists()[0]!.tools.find((tool) => tool.name === "gh_fail")!;
    for (let i = 0; i < 4; i++) {
      assert.equal((await executeTool(fail, {}, CALL)).result.isError, true);
    }
    assert.equal(set.reports()[0]!.breaker.state, "closed", "isError results are answers");
    await upstream.close();
    for (let i = 0; i < 3; i++) {
      await assert.rejects(
        executeTool(echo, { text: "hi" }, CALL),
        (error: GatewayError) =>
          error.code === "UPSTREAM_UNAVAILABLE" && !/circuit/.test(error.message),
      );
    }
    assert.deepEqual(set.reports()[0]!.breaker, {
      state: "open",
      consecutiveFailures: 3,
      nextProbeInMs: 12_000,
    });
    upstream = startMcpUpstream({ port });
    const before = upstream.calls("echo");
    await assert.rejects(
      executeTool(echo, { text: "hi" }, CALL),
      (error: GatewayError) =>
        error.code === "UPSTREAM_UNAVAILABLE" &&
        error.message === 'Upstream "gh" is failing: circuit open, next probe in 12 s',
    );
    assert.equal(upstream.calls("echo"), before, "an open circuit sends nothing upstream");
    now += 12_000;
    assert.equal(set.reports()[0]!.breaker.state, "half-open");
    const probed = await executeTool(echo, { text: "back" }, CALL);
    assert.equal(probed.result.isError, undefined);
    assert.deepEqual(set.reports()[0]!.breaker, { state: "closed", consecutiveFailures: 0 });
  } finally {
    await set.close();
    await upstream.close().catch(() => {});
  }
});

const FIXTURE = fileURLToPath(new URL("../_support/stdio_fixture_server.ts", import.meta.url));

function stdioEntry(env: Record<string, string>): UpstreamEntry {
  return entry({
    name: "local",
    stdio: {
      command: Deno.execPath(),
      args: ["run", "--quiet", "--no-prompt", "--allow-env", FIXTURE],
      env: { NO_COLOR: "1", ...env },
    },
  });
}

/** A vault stand-in: a bearer credential whose token changes with every resolve. */
function countingVault(prefix: string) {
  let calls = 0;
  return {
    calls: () => calls,
    resolve(name: string): Promise<ResolvedCredential> {
      calls++;
      const value = `${prefix}-${calls}`;
      const redact = Object.assign((text: string) => text.replaceAll(value, "[redacted]"), {
        cut: (text: string) => text.replaceAll(value, "[redacted]"),
        matches: (text: string) => text.includes(value),
      });
      return Promise.resolve({
        name,
        version: calls,
        kind: "bearer",
        auth: { headers: [], query: [], redact },
        secret: new Secret(value),
      });
    },
  };
}

function textOf(result: { content: unknown }): string {
  return (result.content as Array<{ text?: string }>).map((block) => block.text ?? "").join("");
}

Deno.test("a stdio upstream is supervised: prefixed tools listed and called over the child", async () => {
  const set = createUpstreamSet({ logger: silentLogger, retryMs: 0 });
  try {
    await set.sync([stdioEntry({ GREETING: "plain" })]);
    const tools = set.lists()[0]!.tools;
    assert.ok(tools.some((tool) => tool.name === "local_echo"));
    const echo = tools.find((tool) => tool.name === "local_echo")!;
    const called = await executeTool(echo, { text: "hi" }, CALL);
    assert.equal(textOf(called.result), "hi");
    const env = tools.find((tool) => tool.name === "local_env")!;
    assert.equal(textOf((await executeTool(env, { name: "GREETING" }, CALL)).result), "plain");
    const [report] = set.reports();
    assert.equal(report!.state.status, "running");
    assert.equal(typeof report!.state.pid, "number");
  } finally {
    await set.close();
  }
  assert.equal(set.reports().length, 0);
});

Deno.test("stdio env credentials are resolved at every child start, a restart included", async () => {
  const vault = countingVault("tok-rotating");
  const set = createUpstreamSet({
    logger: silentLogger,
    retryMs: 0,
    resolveCredential: (name) => vault.resolve(name),
  });
  try {
    await set.sync([stdioEntry({ TOKEN: "Bearer ${credential:tok}" })]);
    const tools = set.lists()[0]!.tools;
    const env = tools.find((tool) => tool.name === "local_env")!;
    assert.equal(
      textOf((await executeTool(env, { name: "TOKEN" }, CALL)).result),
      "Bearer tok-rotating-1",
    );
    const pid = set.reports()[0]!.state.pid;
    const crash = tools.find((tool) => tool.name === "local_crash")!;
    await assert.rejects(() => executeTool(crash, {}, CALL));
    const deadline = Date.now() + 10_000;
    let after = "";
    while (Date.now() < deadline) {
      try {
        after = textOf((await executeTool(env, { name: "TOKEN" }, CALL)).result);
        break;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    assert.equal(after, "Bearer tok-rotating-2");
    assert.notEqual(set.reports()[0]!.state.pid, pid);
    assert.equal(vault.calls(), 2);
  } finally {
    await set.close();
  }
});

Deno.test("a stdio env credential without a vault fails the start with a clear error", async () => {
  const set = createUpstreamSet({ logger: silentLogger, retryMs: 0 });
  try {
    await set.sync([stdioEntry({ TOKEN: "${credential:tok}" })]);
    const [report] = set.reports();
    assert.equal(report!.tools, 0);
    assert.equal(report!.state.pid, undefined);
    assert.match(report!.state.lastError ?? "", /failed to start: .*no credential vault/);
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
