import assert from "node:assert/strict";
import { normaliseResult } from "../../../lib/backends/ts/normalise.ts";
import type { ToolResult } from "../../../lib/registry/types.ts";
import { rejectsWith } from "../_tools.ts";

Deno.test("normaliseResult() passes a ToolResult through unchanged", () => {
  const result: ToolResult = { content: [{ type: "text", text: "hi" }], isError: true };
  assert.equal(normaliseResult(result), result);
});

Deno.test("normaliseResult() turns a string into one text block", () => {
  assert.deepEqual(normaliseResult("done"), { content: [{ type: "text", text: "done" }] });
});

Deno.test("normaliseResult() turns undefined into an empty text block", () => {
  assert.deepEqual(normaliseResult(undefined), { content: [{ type: "text", text: "" }] });
});

Deno.test("normaliseResult() returns a plain object as compact JSON text and structured content", () => {
  assert.deepEqual(normaliseResult({ id: 7, tags: ["a"] }), {
    content: [{ type: "text", text: '{"id":7,"tags":["a"]}' }],
    structuredContent: { id: 7, tags: ["a"] },
  });
});

Deno.test("normaliseResult() wraps arrays, numbers, booleans and null as { result }", () => {
  for (const value of [[1, 2], 42, false, null]) {
    assert.deepEqual(normaliseResult(value), {
      content: [{ type: "text", text: JSON.stringify(value) }],
      structuredContent: { result: value },
    });
  }
});

Deno.test("normaliseResult() keeps structured content equal to the JSON text", () => {
  const when = new Date("2025-01-01T00:00:00Z");
  const result = normaliseResult({ when, skipped: undefined });
  assert.deepEqual(result.structuredContent, { when: "2025-01-01T00:00:00.000Z" });
});

Deno.test("normaliseResult() wraps a class instance instead of passing it as an object", () => {
  const result = normaliseResult(new URL("https://example.com/"));
  assert.deepEqual(result.structuredContent, { result: "https://example.com/" });
});

Deno.test("normaliseResult() rejects values that are not JSON as UPSTREAM_ERROR", async () => {
  const circular: Record<string, unknown> = {};
  circular.self = circular;
  for (const value of [circular, 10n, () => 1]) {
    await rejectsWith(
      Promise.resolve().then(() => normaliseResult(value)),
      "UPSTREAM_ERROR",
      /^Tool handler returned a value that is not JSON: /,
    );
  }
});

Deno.test("normaliseResult() gives a flat record the structured content its JSON text gives", () => {
  const symbol = Symbol("s");
  const cases: Record<string | symbol, unknown>[] = [
    { a: 1, b: "x\u{d800}", c: true, d: null, e: 1e21, f: 0.1 + 0.2 },
    { zero: -0 },
    { gone: undefined, kept: 1 },
    { [symbol]: 1, kept: 2 },
    JSON.parse('{"__proto__": 1, "b": 2}'),
    { 2: "two", 1: "one", z: "z" },
  ];
  for (const value of cases) {
    const result = normaliseResult(value);
    const text = (result.content[0] as { text: string }).text;
    assert.equal(text, JSON.stringify(value));
    assert.deepEqual(result.structuredContent, JSON.parse(text));
    assert.deepEqual(Object.keys(result.structuredContent!), Object.keys(JSON.parse(text)));
    assert.ok(Object.is((result.structuredContent as { zero?: number }).zero ?? 0, 0));
  }
});
