/**
 * `start: lazy | boot` in `createUpstreamSet()`: with `deferLazy` (as the gateway runs it), a lazy
 * upstream is not contacted at `sync` (no request reaches it, no child runs) until `wake()`, and a
 * boot upstream is connected, started and listed at once; without `deferLazy` (`nexus upstreams
 * list`), `sync` lists every upstream.
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { silentLogger } from "../../lib/log.ts";
import { readUpstreamSpecs } from "../../lib/upstream_spec/mod.ts";
import { createUpstreamSet, type UpstreamEntry } from "../../lib/upstreams/mod.ts";
import { startMcpUpstream } from "../_support/mcp_upstream.ts";
import { processTable, waitGone } from "../_support/processes.ts";

const FIXTURE = fileURLToPath(new URL("../_support/stdio_fixture_server.ts", import.meta.url));

function entries(values: Record<string, unknown>[]): UpstreamEntry[] {
  const { specs, problems } = readUpstreamSpecs(values);
  assert.deepEqual(problems, []);
  return specs.map((spec) => ({ spec, source: { file: "nexus.yaml", line: 1 } }));
}

function stdio(marker: string) {
  return {
    command: Deno.execPath(),
    args: ["run", "--quiet", "--no-prompt", "--allow-env", FIXTURE, marker],
    env: { NO_COLOR: "1" },
  };
}

async function running(marker: string): Promise<number[]> {
  return (await processTable()).filter((p) => p.cmdline.includes(marker)).map((p) => p.pid);
}

Deno.test("deferLazy: lazy upstreams wait for wake(), boot upstreams start and list at sync", async () => {
  await using lazyHttp = startMcpUpstream();
  await using bootHttp = startMcpUpstream();
  const lazyMarker = `nexus-lazy-${crypto.randomUUID()}`;
  const bootMarker = `nexus-boot-${crypto.randomUUID()}`;
  const set = createUpstreamSet({ logger: silentLogger, retryMs: 0, deferLazy: true });
  try {
    await set.sync(entries([
      { name: "lh", url: lazyHttp.url },
      { name: "bh", url: bootHttp.url, start: "boot" },
      { name: "ls", stdio: stdio(lazyMarker), start: "lazy" },
      { name: "bs", stdio: stdio(bootMarker), start: "boot" },
    ]));
    const before = Object.fromEntries(set.reports().map((r) => [r.name, r]));
    assert.equal(set.awake(), false);
    assert.deepEqual(lazyHttp.authorizations(), [], "a lazy HTTP upstream saw no request");
    assert.deepEqual(await running(lazyMarker), [], "a lazy stdio child is not started");
    assert.equal(before.lh!.state.status, "idle");
    assert.equal(before.ls!.state.status, "idle");
    assert.equal(before.lh!.tools + before.ls!.tools, 0);
    assert.equal(before.lh!.start, "lazy");
    assert.ok(bootHttp.authorizations().length > 0, "a boot HTTP upstream was contacted");
    assert.equal((await running(bootMarker)).length, 1, "a boot stdio child runs");
    assert.equal(before.bh!.state.status, "running");
    assert.equal(before.bs!.state.status, "running");
    assert.ok(before.bh!.tools > 0 && before.bs!.tools > 0);
    assert.equal(before.bs!.start, "boot");

    await set.wake();
    assert.equal(set.awake(), true);
    const after = Object.fromEntries(set.reports().map((r) => [r.name, r]));
    assert.equal(after.lh!.state.status, "running");
    assert.equal(after.ls!.state.status, "running");
    assert.ok(after.lh!.tools > 0 && after.ls!.tools > 0);
    assert.equal((await running(lazyMarker)).length, 1);

    const late = `nexus-late-${crypto.randomUUID()}`;
    await set.sync(entries([
      { name: "lh", url: lazyHttp.url },
      { name: "bh", url: bootHttp.url, start: "boot" },
      { name: "ls", stdio: stdio(lazyMarker), start: "lazy" },
      { name: "bs", stdio: stdio(bootMarker), start: "boot" },
      { name: "late", stdio: stdio(late) },
    ]));
    const added = set.reports().find((r) => r.name === "late")!;
    assert.equal(added.state.status, "running", "after wake() a new lazy upstream is listed");
  } finally {
    await set.close();
  }
  assert.deepEqual(
    await waitGone(async () => [...await running(lazyMarker), ...await running(bootMarker)]),
    [],
  );
});

Deno.test("without deferLazy, sync() lists lazy upstreams too (nexus upstreams list)", async () => {
  await using upstream = startMcpUpstream();
  const set = createUpstreamSet({ logger: silentLogger, retryMs: 0 });
  try {
    await set.sync(entries([{ name: "lh", url: upstream.url }]));
    assert.equal(set.awake(), true);
    assert.equal(set.reports()[0]!.state.status, "running");
    assert.ok(set.reports()[0]!.tools > 0);
  } finally {
    await set.close();
  }
});
