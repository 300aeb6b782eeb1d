import assert from "node:assert/strict";
import { decodeOutcome, encodeOutcome } from "../../lib/cache/payload.ts";
import { GatewayError } from "../../lib/errors.ts";
import type { ToolResult } from "../../lib/registry/mod.ts";

Deno.test("encodeOutcome() and decodeOutcome() carry a result unchanged", () => {
  const result = { content: [{ type: "text" as const, text: "hi" }], structuredContent: { a: 1 } };
  assert.deepEqual(decodeOutcome(encodeOutcome({ result })), { result });
});

Deno.test("decodeOutcome() rebuilds a GatewayError with its code and data", () => {
  const error = new GatewayError("UPSTREAM_ERROR", "Upstream returned HTTP 404 Not Found", {
    data: { status: 404 },
  });
  const decoded = decodeOutcome(encodeOutcome({ error }));
  assert.ok(decoded && "error" in decoded);
  assert.equal(decoded.error.code, "UPSTREAM_ERROR");
  assert.equal(decoded.error.message, error.message);
  assert.deepEqual(decoded.error.data, { status: 404 });
});

Deno.test("decodeOutcome() refuses markers, foreign versions and unknown codes safely", () => {
  assert.equal(decodeOutcome("abandoned"), undefined);
  assert.equal(decodeOutcome('{"v":2,"result":{"content":[]}}'), undefined);
  const odd = decodeOutcome('{"v":1,"error":{"code":"NOPE","message":"x"}}');
  assert.ok(odd && "error" in odd && odd.error.code === "INTERNAL");
});

Deno.test("decodeOutcome() shares one deeply frozen result per payload text, never an error", () => {
  const text = encodeOutcome({
    result: { content: [{ type: "text", text: "x" }], structuredContent: { a: [1] } },
  });
  const first = decodeOutcome(text) as { result: ToolResult };
  assert.equal(decodeOutcome(text), first, "the same text gives the same outcome");
  assert.ok(Object.isFrozen(first.result));
  assert.ok(Object.isFrozen((first.result.structuredContent as { a: number[] }).a));
  assert.throws(() => {
    (first.result.content as unknown[]).push({ type: "text", text: "y" });
  }, TypeError);
  const failed = encodeOutcome({ error: new GatewayError("NOT_FOUND", "gone") });
  assert.notEqual(decodeOutcome(failed), decodeOutcome(failed), "errors are decoded afresh");
});
