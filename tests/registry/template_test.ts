import assert from "node:assert/strict";
import { originOfUrlTemplate, parseTemplate } from "../../lib/registry/template.ts";
import { GatewayError } from "../../lib/errors.ts";

Deno.test("parseTemplate() splits literals and placeholders", () => {
  assert.deepEqual(parseTemplate("/issue/{key}?x={a-b}"), [
    { literal: "/issue/" },
    { arg: "key" },
    { literal: "?x=" },
    { arg: "a-b" },
  ]);
});

Deno.test("parseTemplate() turns {{ and }} into literal braces", () => {
  assert.deepEqual(parseTemplate("{{literal}} {name}"), [
    { literal: "{literal} " },
    { arg: "name" },
  ]);
});

Deno.test("parseTemplate() rejects an unmatched brace with INVALID_TOOL", () => {
  for (const text of ["/a/{key", "/a/}", "{not a name}", "{}"]) {
    assert.throws(
      () => parseTemplate(text),
      (error) => error instanceof GatewayError && error.code === "INVALID_TOOL",
      text,
    );
  }
});

Deno.test("originOfUrlTemplate() gives the fixed origin of a URL with path placeholders", () => {
  assert.equal(
    originOfUrlTemplate("https://api.example.com:8443/x/{id}?q={q}"),
    "https://api.example.com:8443",
  );
});
