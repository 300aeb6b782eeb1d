import assert from "node:assert/strict";
import { statusLine, upstreamStatusError } from "../../../lib/backends/http/upstream_error.ts";

Deno.test("upstreamStatusError() names status and reason with a collapsed body excerpt", async () => {
  const response = new Response("  Database\n\n   is   down \t", { status: 500 });
  const error = await upstreamStatusError(response);
  assert.equal(error.code, "UPSTREAM_ERROR");
  assert.equal(error.message, "Upstream returned HTTP 500 Internal Server Error: Database is down");
  assert.deepEqual(error.data, { status: 500 });
});

Deno.test("upstreamStatusError() trims a long body to about 500 characters", async () => {
  const error = await upstreamStatusError(new Response("x".repeat(10_000), { status: 502 }));
  const excerpt = error.message.slice("Upstream returned HTTP 502 Bad Gateway: ".length);
  assert.equal(excerpt, "x".repeat(500) + "…");
});

Deno.test("upstreamStatusError() omits the colon when the body is empty", async () => {
  const error = await upstreamStatusError(new Response(null, { status: 404 }));
  assert.equal(error.message, "Upstream returned HTTP 404 Not Found");
});

Deno.test("upstreamStatusError() includes Retry-After in the data", async () => {
  const response = new Response("slow down", { status: 429, headers: { "retry-after": "7" } });
  const error = await upstreamStatusError(response);
  assert.deepEqual(error.data, { status: 429, retryAfter: "7", retryAfterMs: 7000 });
});

Deno.test("statusLine() falls back to the response's reason phrase for unknown codes", () => {
  assert.equal(statusLine(418, "I'm a teapot"), "418 I'm a teapot");
  assert.equal(statusLine(599), "599");
  assert.equal(statusLine(503, ""), "503 Service Unavailable");
});
