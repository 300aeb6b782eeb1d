/**
 * `perClient: true` stdio upstreams through `createUpstreamSet()` and the `mcp` backend: one child
 * per principal (the listing child apart), the cap on children with a clear error, idle children
 * stopped (never one with a call in flight), and a new child for a caller whose child was stopped.
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
import { processTable, waitGone } from "../_support/processes.ts";

const FIXTURE = fileURLToPath(new URL("../_support/stdio_fixture_server.ts", import.meta.url));

function entry(perClient: unknown, marker: string, start = "lazy", name = "mine"): UpstreamEntry {
  const { specs, problems } = readUpstreamSpecs([{
    name,
    stdio: {
      command: Deno.execPath(),
      args: ["run", "--quiet", "--no-prompt", "--allow-env", FIXTURE, marker],
      env: { NO_COLOR: "1" },
    },
    perClient,
    start,
  }]);
  assert.deepEqual(problems, []);
  return { spec: specs[0]!, source: { file: "nexus.yaml", line: 1 } };
}

function call(principal: string) {
  return {
    signal: new AbortController().signal,
    logger: silentLogger,
    egressOrigins: new Set<string>(),
    principal,
  };
}

function tool(set: UpstreamSet, name: string): ToolDefinition {
  const found = set.lists()[0]!.tools.find((item) => item.name === name);
  assert.ok(found, `${name} is listed`);
  return found;
}

async function pidOf(set: UpstreamSet, principal: string): Promise<number> {
  const outcome = await executeTool(tool(set, "mine_pid"), {}, call(principal));
  const content = outcome.result.content as Array<{ text: string }>;
  return Number(content[0]!.text);
}

async function children(marker: string): Promise<number[]> {
  return (await processTable()).filter((p) => p.cmdline.includes(marker)).map((p) => p.pid);
}

Deno.test("perClient: one child per principal, the listing child apart, each reused", async () => {
  const marker = `nexus-per-client-${crypto.randomUUID()}`;
  const set = createUpstreamSet({ logger: silentLogger, retryMs: 0 });
  try {
    await set.sync([entry(true, marker)]);
    const [listed] = await children(marker);
    assert.ok(listed, "the listing child runs");
    assert.equal(set.reports()[0]!.state.children, 0);
    assert.equal(set.reports()[0]!.perClient, true);

    const alice = await pidOf(set, "key:alice");
    const bob = await pidOf(set, "key:bob");
    assert.notEqual(alice, bob);
    assert.notEqual(alice, listed);
    assert.equal(await pidOf(set, "key:alice"), alice, "alice keeps her child");
    assert.equal(set.reports()[0]!.state.children, 2);
    assert.deepEqual((await children(marker)).sort(), [listed, alice, bob].sort());
  } finally {
    await set.close();
  }
  assert.deepEqual(await waitGone(() => children(marker)), [], "close() stops every child");
});

Deno.test("perClient: a new principal beyond maxChildren gets a clear UPSTREAM_UNAVAILABLE", async () => {
  const marker = `nexus-per-client-${crypto.randomUUID()}`;
  const set = createUpstreamSet({ logger: silentLogger, retryMs: 0 });
  try {
    await set.sync([entry({ maxChildren: 1 }, marker)]);
    await pidOf(set, "key:alice");
    await assert.rejects(pidOf(set, "key:bob"), (error: GatewayError) => {
      assert.equal(error.code, "UPSTREAM_UNAVAILABLE");
      assert.equal(
        error.message,
        'Upstream "mine" is at its limit of 1 per-client children (perClient.maxChildren); ' +
          "a child is stopped after 300000 ms without calls",
      );
      return true;
    });
    assert.equal(set.reports()[0]!.state.children, 1);
  } finally {
    await set.close();
  }
});

Deno.test("perClient: idle children are stopped, busy ones are not, and a caller gets a new one", async () => {
  const marker = `nexus-per-client-${crypto.randomUUID()}`;
  const set = createUpstreamSet({ logger: silentLogger, retryMs: 0 });
  try {
    await set.sync([entry({ idleTimeout: "200ms" }, marker)]);
    const first = await pidOf(set, "key:alice");
    const slow = executeTool(tool(set, "mine_slow"), { ms: 1000 }, call("key:bob"));
    const gone = await waitGone(async () =>
      (await children(marker)).filter((pid) => pid === first)
    );
    assert.deepEqual(gone, [], "alice's idle child was stopped");
    const slept = await slow;
    assert.deepEqual(slept.result.content, [{ type: "text", text: "slept 1000" }]);
    const second = await pidOf(set, "key:alice");
    assert.notEqual(second, first, "a stopped child is started again on the next call");
  } finally {
    await set.close();
  }
  assert.deepEqual(await waitGone(() => children(marker)), []);
});

Deno.test("perClient: the listing child is stopped when idle, unless the upstream starts at boot", async () => {
  const lazyMarker = `nexus-per-client-${crypto.randomUUID()}`;
  const bootMarker = `nexus-per-client-${crypto.randomUUID()}`;
  const set = createUpstreamSet({ logger: silentLogger, retryMs: 0 });
  try {
    await set.sync([
      entry({ idleTimeout: "100ms" }, lazyMarker, "lazy", "lz"),
      entry({ idleTimeout: "100ms" }, bootMarker, "boot", "bt"),
    ]);
    const [boot] = await children(bootMarker);
    assert.ok(boot, "the boot listing child runs");
    assert.deepEqual(await waitGone(() => children(lazyMarker)), [], "the lazy one was stopped");
    assert.equal(set.reports().find((r) => r.name === "lz")!.state.status, "idle");
    assert.deepEqual(await children(bootMarker), [boot], "the boot listing child was kept");
    assert.ok(set.lists().every((list) => list.tools.length > 0), "both stay listed");
  } finally {
    await set.close();
  }
  assert.deepEqual(await waitGone(() => children(bootMarker)), []);
});
