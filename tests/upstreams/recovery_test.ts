/**
 * Session recovery through `createUpstreamSet()` and the `mcp` backend: a 2025 upstream that
 * forgets its sessions (404 for the `Mcp-Session-Id`) is reconnected and a read-only call retried
 * once; a write is never retried; a listing recovers too; and a stdio child that exits mid-call
 * is restarted, with the same rule.
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { executeTool } from "../../lib/backends/mod.ts";
import type { GatewayError } from "../../lib/errors.ts";
import { silentLogger } from "../../lib/log.ts";
import type { ToolDefinition } from "../../lib/registry/types.ts";
import { readUpstreamSpecs } from "../../lib/upstream_spec/mod.ts";
import {
  createUpstreamSet,
  type UpstreamEntry,
  type UpstreamSet,
} from "../../lib/upstreams/mod.ts";
import { startMcpSessionUpstream } from "../_support/mcp_session_upstream.ts";

const CALL = {
  signal: new AbortController().signal,
  logger: silentLogger,
  egressOrigins: new Set<string>(),
};

function entry(value: Record<string, unknown>): UpstreamEntry {
  const { specs, problems } = readUpstreamSpecs([value]);
  assert.deepEqual(problems, []);
  return { spec: specs[0]!, source: { file: "nexus.yaml", line: 1 } };
}

function tool(set: UpstreamSet, name: string): ToolDefinition {
  const found = set.lists().flatMap((list) => list.tools).find((item) => item.name === name);
  assert.ok(found, `${name} is listed`);
  return found;
}

function textOf(result: { content: unknown }): string {
  return (result.content as Array<{ text?: string }>).map((block) => block.text ?? "").join("");
}

Deno.test("a 2025 upstream that forgot its session: a read-only call reconnects and is retried once", async () => {
  await using upstream = startMcpSessionUpstream();
  const set = createUpstreamSet({ logger: silentLogger, retryMs: 0 });
  try {
    await set.sync([entry({ name: "s", url: upstream.url })]);
    assert.equal(set.reports()[0]!.state.protocolVersion, "2025-11-25");
    const read = tool(set, "s_read");
    assert.equal(textOf((await executeTool(read, { text: "a" }, CALL)).result), "read: a");
    assert.equal(upstream.sessionsIssued(), 1);

    await upstream.forgetSessions();
    const again = await executeTool(read, { text: "b" }, CALL);
    assert.equal(textOf(again.result), "read: b");
    assert.equal(upstream.refused(), 1, "the stale session was refused once");
    assert.equal(upstream.sessionsIssued(), 2, "a new session was established");
    assert.equal(upstream.received("read"), 3);
    assert.equal(upstream.executed("read"), 2);
    assert.equal(set.reports()[0]!.state.restarts, 1);
    assert.equal(set.reports()[0]!.breaker.consecutiveFailures, 0, "a recovered call succeeded");
  } finally {
    await set.close();
  }
});

Deno.test("a write whose session was lost is not retried: UPSTREAM_UNAVAILABLE says so, the next call works", async () => {
  await using upstream = startMcpSessionUpstream();
  const set = createUpstreamSet({ logger: silentLogger, retryMs: 0 });
  try {
    await set.sync([entry({ name: "s", url: upstream.url })]);
    const write = tool(set, "s_write");
    await upstream.forgetSessions();
    await assert.rejects(executeTool(write, { text: "x" }, CALL), (error: GatewayError) => {
      assert.equal(error.code, "UPSTREAM_UNAVAILABLE");
      assert.equal(
        error.message,
        'Upstream "s" lost its session (HTTP 404 for its Mcp-Session-Id) during the call of ' +
          '"write"; the call was not retried: the tool is not marked readOnlyHint',
      );
      return true;
    });
    assert.equal(upstream.received("write"), 1, "the upstream saw exactly one call");
    assert.equal(upstream.executed("write"), 0);
    const next = await executeTool(write, { text: "y" }, CALL);
    assert.equal(textOf(next.result), "wrote: y");
    assert.equal(upstream.received("write"), 2);
    assert.equal(upstream.executed("write"), 1);
  } finally {
    await set.close();
  }
});

Deno.test("concurrent reads on a lost session share one new session", async () => {
  await using upstream = startMcpSessionUpstream();
  const set = createUpstreamSet({ logger: silentLogger, retryMs: 0 });
  try {
    await set.sync([entry({ name: "s", url: upstream.url })]);
    const read = tool(set, "s_read");
    await upstream.forgetSessions();
    const results = await Promise.all(
      ["1", "2", "3"].map((text) => executeTool(read, { text }, CALL)),
    );
    assert.deepEqual(results.map((outcome) => textOf(outcome.result)), [
      "read: 1",
      "read: 2",
      "read: 3",
    ]);
    assert.equal(upstream.sessionsIssued(), 2);
  } finally {
    await set.close();
  }
});

Deno.test("a listing on a lost session reconnects and lists again", async () => {
  await using upstream = startMcpSessionUpstream();
  const set = createUpstreamSet({ logger: silentLogger, retryMs: 0 });
  try {
    await set.sync([entry({ name: "s", url: upstream.url })]);
    await upstream.forgetSessions();
    await set.refresh();
    assert.deepEqual(set.lists()[0]!.tools.map((item) => item.name).sort(), ["s_read", "s_write"]);
    assert.equal(set.reports()[0]!.state.status, "running");
    assert.equal(upstream.sessionsIssued(), 2);
  } finally {
    await set.close();
  }
});

const FIXTURE = fileURLToPath(new URL("../_support/stdio_fixture_server.ts", import.meta.url));

Deno.test("a stdio child that exits mid-call: a read-only call is retried on the new child, a write is not", async () => {
  const dir = await Deno.makeTempDir({ prefix: "nexus-recovery-" });
  const set = createUpstreamSet({ logger: silentLogger, retryMs: 0 });
  try {
    await set.sync([entry({
      name: "local",
      stdio: {
        command: Deno.execPath(),
        args: [
          "run",
          "--quiet",
          "--no-prompt",
          "--allow-env",
          "--allow-read",
          "--allow-write",
          FIXTURE,
        ],
        env: { NO_COLOR: "1" },
      },
    })]);
    const firstPid = set.reports()[0]!.state.pid;
    const flaky = tool(set, "local_flaky_read");
    const read = await executeTool(flaky, { marker: `${dir}/marker` }, CALL);
    assert.equal(textOf(read.result), "read ok");
    const secondPid = set.reports()[0]!.state.pid;
    assert.notEqual(secondPid, firstPid, "the child was restarted");

    await assert.rejects(
      executeTool(tool(set, "local_crash"), {}, CALL),
      (error: GatewayError) =>
        error.code === "UPSTREAM_UNAVAILABLE" &&
        error.message ===
          'Upstream "local" exited with code 3 during the call of "crash"; the call was not ' +
            "retried: the tool is not marked readOnlyHint",
    );
    const echo = await executeTool(tool(set, "local_echo"), { text: "after" }, CALL);
    assert.equal(textOf(echo.result), "after");
    assert.equal(set.reports()[0]!.state.restarts, 2);
  } finally {
    await set.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("closing the set ends the upstream's 2025 session with DELETE", async () => {
  await using upstream = startMcpSessionUpstream();
  const set = createUpstreamSet({ logger: silentLogger, retryMs: 0 });
  await set.sync([entry({ name: "s", url: upstream.url })]);
  assert.equal(upstream.sessionsIssued(), 1);
  await set.close();
  assert.equal(upstream.sessionsEnded(), 1);
});
