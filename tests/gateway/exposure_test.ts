/**
 * The exposure monitor on a real embedded store: anonymous callers on a non-loopback address are
 * noticed again when the last client key is revoked (or expires), not only at start.
 */

import assert from "node:assert/strict";
import { createApiKeyVerifier, issueApiKey } from "../../lib/auth/mod.ts";
import { createExposureMonitor, EXPOSED_WARNING } from "../../lib/gateway/exposure.ts";
import { createLogger } from "../../lib/log.ts";

import { openTestStore } from "../store/_stores.ts";

async function setup(options: { loopback?: boolean; allowAnonymous?: boolean } = {}) {
  const store = await openTestStore("sqlite");
  const repo = store.apiKeys;
  let now = Date.now();
  const apiKeys = createApiKeyVerifier(repo, { cacheTtlMs: 0, now: () => now });
  const lines: Array<{ level: string; msg: string }> = [];
  const monitor = createExposureMonitor({
    host: "0.0.0.0",
    loopback: options.loopback ?? false,
    allowAnonymous: options.allowAnonymous ?? true,
    apiKeys,
    logger: createLogger({ sink: (line) => lines.push(JSON.parse(line)) }),
    intervalMs: 0,
  });
  return {
    repo,
    monitor,
    lines,
    warnings: () => lines.filter((line) => line.msg === EXPOSED_WARNING).length,
    advance: (ms: number) => now += ms,
    async [Symbol.asyncDispose]() {
      monitor.close();
      await store[Symbol.asyncDispose]();
    },
  };
}

Deno.test("exposure is re-checked after the last client key is revoked, and logged once", async () => {
  await using env = await setup();
  await issueApiKey(env.repo, "agent");
  assert.equal(await env.monitor.check(), false);
  assert.equal(env.warnings(), 0);
  await env.repo.revoke("agent", Date.now());
  assert.equal(await env.monitor.check(), true, "the last key is gone: anonymous again");
  assert.equal(await env.monitor.check(), true);
  assert.equal(env.warnings(), 1, "the warning is logged when exposure begins, not per check");
  await issueApiKey(env.repo, "agent-2");
  assert.equal(await env.monitor.check(), false);
  assert.ok(env.lines.some((line) => line.msg.startsWith("No longer serving anonymous")));
});

Deno.test("exposure is noticed when the last client key expires", async () => {
  await using env = await setup();
  await issueApiKey(env.repo, "agent", { expiresAt: Date.now() + 60_000 });
  assert.equal(await env.monitor.check(), false);
  env.advance(120_000);
  assert.equal(await env.monitor.check(), true);
  assert.equal(env.warnings(), 1);
});

Deno.test("no exposure on loopback or without allowAnonymous", async () => {
  {
    await using env = await setup({ loopback: true });
    assert.equal(await env.monitor.check(), false);
  }
  {
    await using env = await setup({ allowAnonymous: false });
    assert.equal(await env.monitor.check(), false);
  }
});
