import assert from "node:assert/strict";
import { GatewayError } from "../../../lib/errors.ts";
import {
  fillTemplate,
  parseTemplate,
  soleArgName,
  stringifyArg,
} from "../../../lib/backends/http/template.ts";

// parseTemplate() itself is the registry's, tested in tests/registry/template_test.ts.

Deno.test("soleArgName() names the argument only when the template is one placeholder", () => {
  assert.equal(soleArgName(parseTemplate("{limit}")), "limit");
  assert.equal(soleArgName(parseTemplate("x{limit}")), undefined);
  assert.equal(soleArgName(parseTemplate("{{limit}}")), undefined);
});

Deno.test("fillTemplate() stringifies numbers, booleans and objects", () => {
  const parts = parseTemplate("{n}/{b}/{o}");
  const text = fillTemplate(parts, { n: 3, b: false, o: { a: [1] } }, { where: "the test" });
  assert.equal(text, '3/false/{"a":[1]}');
});

Deno.test("fillTemplate() rejects a missing or null argument naming it and the place", () => {
  for (const args of [{}, { id: null }]) {
    assert.throws(
      () => fillTemplate(parseTemplate("a{id}"), args, { where: 'header "X-Id"' }),
      new GatewayError("INVALID_INPUT", 'Argument "id": required by header "X-Id" but missing'),
    );
  }
});

Deno.test("fillTemplate() passes each value and its argument name to encode", () => {
  const seen: string[] = [];
  const text = fillTemplate(parseTemplate("{a}-{b}"), { a: "x", b: 2 }, {
    where: "the test",
    encode: (value, name) => {
      seen.push(name);
      return `<${value}>`;
    },
  });
  assert.equal(text, "<x>-<2>");
  assert.deepEqual(seen, ["a", "b"]);
});

Deno.test("stringifyArg() keeps strings as they are", () => {
  assert.equal(stringifyArg("a b"), "a b");
  assert.equal(stringifyArg([1, "x"]), '[1,"x"]');
});
