/**
 * Canonical JSON must never change (sealed credential digests and audit hashes depend on it): fixed
 * texts for values that exercise every rule.
 */

import assert from "node:assert/strict";
import { canonicalJson } from "../lib/canonical_json.ts";

Deno.test("canonical JSON sorts keys at every depth and drops undefined members", () => {
  const value = { b: 1, a: [{ d: undefined, c: "é\u2028" }, null], "": 0, z: { y: true, x: -0 } };
  assert.equal(
    canonicalJson(value),
    '{"":0,"a":[{"c":"é\u2028"},null],"b":1,"z":{"x":0,"y":true}}',
  );
});

Deno.test("canonical JSON writes what JSON cannot as null, and array holes as nothing", () => {
  // deno-lint-ignore no-sparse-arrays
  assert.equal(canonicalJson([1, , undefined, () => 1]), "[1,,null,null]");
  assert.equal(canonicalJson(undefined), "null");
  assert.equal(
    canonicalJson({ f: () => 1, date: new Date(0), n: NaN }),
    '{"date":{},"f":null,"n":null}',
  );
  assert.equal(canonicalJson(["t", "public", { text: "a b" }]), '["t","public",{"text":"a b"}]');
});
