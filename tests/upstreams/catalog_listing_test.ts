/**
 * The upstream set's prompts, resources and templates against a real SDK v2 upstream
 * (tests/_support/catalog_upstream.ts, one item per page): every page listed with its cache
 * hint, a prompt-list change re-listed and reported, the gateway's shared resource subscription
 * counted and relayed, and an unreachable upstream left out with a warning.
 */

import assert from "node:assert/strict";
import { createLogger } from "../../lib/log.ts";
import { readUpstreamSpecs } from "../../lib/upstream_spec/mod.ts";
import { createUpstreamSet, type UpstreamEntry } from "../../lib/upstreams/mod.ts";
import { FIXTURE_PROMPTS_TTL_MS, startCatalogUpstream } from "../_support/catalog_upstream.ts";
import { waitUntil } from "../_support/gateway.ts";

function entry(value: Record<string, unknown>): UpstreamEntry {
  const { specs, problems } = readUpstreamSpecs([value]);
  assert.deepEqual(problems, []);
  return { spec: specs[0]!, source: { file: "nexus.yaml", line: 1 } };
}

function unusedUrl(): string {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return `http://127.0.0.1:${port}/mcp`;
}

Deno.test("the upstream set lists every page of prompts, resources and templates, with hints", async () => {
  await using upstream = startCatalogUpstream();
  const lines: string[] = [];
  const changes: Array<{ prompts: boolean; resources: boolean }> = [];
  const updates: string[] = [];
  const set = createUpstreamSet({
    logger: createLogger({ level: "warn", sink: (line) => lines.push(line) }),
    retryMs: 0,
    onCatalogChange: (changed) => changes.push(changed),
    onResourceUpdated: (name, uri) => updates.push(`${name} ${uri}`),
  });
  try {
    await set.sync([
      entry({ name: "fx", url: upstream.url }),
      entry({ name: "dead", url: unusedUrl(), timeout: "2s" }),
    ]);
    const [fx, dead] = set.catalogs();
    assert.deepEqual(fx!.prompts.map((item) => item.name), ["fx_greet", "fx_summarize"]);
    assert.deepEqual(fx!.resources.map((item) => item.uri), [
      "fixture://readme",
      "fixture://config",
    ]);
    assert.deepEqual(fx!.templates.map((item) => item.uriTemplate), ["fixture://notes/{id}"]);
    assert.deepEqual(fx!.hints.prompts, { ttlMs: FIXTURE_PROMPTS_TTL_MS, cacheScope: "public" });
    assert.deepEqual(dead!.prompts, []);
    assert.ok(
      lines.some((line) =>
        line.includes("Upstream prompts and resources left out") && line.includes('"dead"')
      ),
      lines.join("\n"),
    );

    changes.length = 0;
    upstream.addPrompt("extra");
    assert.ok(await waitUntil(() => changes.length > 0), "no catalog change reported");
    assert.deepEqual(changes[0], { prompts: true, resources: false });
    assert.ok(set.catalogs()[0]!.prompts.some((item) => item.name === "fx_extra"));

    const subscriptions = set.subscriptions("fx")!;
    await subscriptions.acquire("fixture://readme");
    await subscriptions.acquire("fixture://readme");
    assert.equal(subscriptions.size(), 1, "two subscribers share one upstream subscription");
    upstream.touch("fixture://readme", "v2");
    assert.ok(await waitUntil(() => updates.length > 0), "no resource update relayed");
    assert.deepEqual(updates, ["fx fixture://readme"]);
    subscriptions.release("fixture://readme");
    assert.equal(subscriptions.size(), 1);
    subscriptions.release("fixture://readme");
    assert.equal(subscriptions.size(), 0);
  } finally {
    await set.close();
  }
});

Deno.test("a resource subscription and the list-change stream lost with a restarted upstream are renewed", async () => {
  const first = startCatalogUpstream();
  const port = Number(new URL(first.url).port);
  const updates: string[] = [];
  const changes: Array<{ prompts: boolean }> = [];
  const set = createUpstreamSet({
    logger: createLogger({ level: "warn", sink: () => {} }),
    retryMs: 0,
    onResourceUpdated: (_name, uri) => updates.push(uri),
    onCatalogChange: (changed) => changes.push(changed),
  });
  let second: ReturnType<typeof startCatalogUpstream> | undefined;
  try {
    await set.sync([entry({ name: "fx", url: first.url, timeout: "2s" })]);
    const subscriptions = set.subscriptions("fx")!;
    await subscriptions.acquire("fixture://config");
    await first.close();
    second = startCatalogUpstream({ port });
    // Why a loop: the lost stream is noticed (and renewed) on its own schedule; `renew()` is
    // what the retry timer calls, and each round touches the resource once.
    for (let round = 0; round < 20 && updates.length === 0; round++) {
      await subscriptions.renew();
      second.touch("fixture://config", `b = ${round}`);
      await waitUntil(() => updates.length > 0, 500);
    }
    assert.equal(updates[0], "fixture://config");
    assert.equal(subscriptions.size(), 1);
    changes.length = 0;
    for (let round = 0; round < 20 && changes.length === 0; round++) {
      await subscriptions.renew();
      second.addPrompt(`after_${round}`);
      await waitUntil(() => changes.length > 0, 500);
    }
    assert.ok(set.catalogs()[0]!.prompts.some((item) => item.name.startsWith("fx_after_")));
  } finally {
    await set.close();
    await second?.close();
  }
});
