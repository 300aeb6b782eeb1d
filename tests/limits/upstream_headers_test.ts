import assert from "node:assert/strict";
import { readUpstreamQuota } from "../../lib/limits/mod.ts";
import { DEFAULT_BLOCK_MS } from "../../lib/limits/upstream_headers.ts";

const NOW = Date.parse("2026-05-01T12:00:00Z");
const headers = (init: Record<string, string>) => new Headers(init);

Deno.test("readUpstreamQuota() blocks for Retry-After seconds on a 429", () => {
  assert.deepEqual(readUpstreamQuota(429, headers({ "retry-after": "2" }), NOW), {
    remaining: 0,
    resetAfterMs: 2000,
  });
});

Deno.test("readUpstreamQuota() reads an HTTP-date Retry-After on a 503", () => {
  const at = new Date(NOW + 30_000).toUTCString();
  assert.deepEqual(readUpstreamQuota(503, headers({ "retry-after": at }), NOW), {
    remaining: 0,
    resetAfterMs: 30_000,
  });
});

Deno.test("readUpstreamQuota() reads X-RateLimit-Remaining with a delta or epoch reset", () => {
  const delta = headers({ "x-ratelimit-remaining": "7", "x-ratelimit-reset": "60" });
  assert.deepEqual(readUpstreamQuota(200, delta, NOW), { remaining: 7, resetAfterMs: 60_000 });
  const epoch = headers({
    "x-ratelimit-remaining": "0",
    "x-ratelimit-reset": String(NOW / 1000 + 90),
  });
  assert.deepEqual(readUpstreamQuota(200, epoch, NOW), { remaining: 0, resetAfterMs: 90_000 });
});

Deno.test("readUpstreamQuota() reads RateLimit-* and the structured RateLimit field", () => {
  const split = headers({ "ratelimit-remaining": "3", "ratelimit-reset": "10" });
  assert.deepEqual(readUpstreamQuota(200, split, NOW), { remaining: 3, resetAfterMs: 10_000 });
  const draft06 = headers({ "ratelimit": "limit=100, remaining=0, reset=50" });
  assert.deepEqual(readUpstreamQuota(200, draft06, NOW), { remaining: 0, resetAfterMs: 50_000 });
  const draft07 = headers({ "ratelimit": '"default";r=4;t=20' });
  assert.deepEqual(readUpstreamQuota(200, draft07, NOW), { remaining: 4, resetAfterMs: 20_000 });
});

Deno.test("readUpstreamQuota() pauses briefly on a bare 429 and ignores silent responses", () => {
  assert.deepEqual(readUpstreamQuota(429, headers({}), NOW), {
    remaining: 0,
    resetAfterMs: DEFAULT_BLOCK_MS,
  });
  assert.equal(readUpstreamQuota(200, headers({}), NOW), undefined);
  assert.equal(readUpstreamQuota(200, headers({ "x-ratelimit-remaining": "5" }), NOW), undefined);
  assert.equal(readUpstreamQuota(500, headers({ "retry-after": "5" }), NOW), undefined);
});
