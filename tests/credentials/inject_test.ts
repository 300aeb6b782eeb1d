import assert from "node:assert/strict";
import { applyOutboundAuth } from "../../lib/credentials/mod.ts";
import { createRedactor } from "../../lib/credentials/redactor.ts";
import { createOutboundAuth } from "../../lib/credentials/inject.ts";
import { Secret } from "../../lib/secret.ts";

Deno.test("createRedactor() scrubs a value and its URL, form, JSON and base64 encodings", () => {
  const value = 'p@ss w/rd+"x"';
  const redact = createRedactor([value, "alice:" + value]);
  const b64 = btoa("alice:" + value);
  const samples = [
    `raw ${value} end`,
    `url ${encodeURIComponent(value)} end`,
    `lower ${encodeURIComponent(value).toLowerCase()} end`,
    `form ${new URLSearchParams({ v: value }).toString().slice(2)} end`,
    `json ${JSON.stringify({ v: value })} end`,
    `basic Basic ${b64} end`,
    `b64url ${b64.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")} end`,
  ];
  for (const sample of samples) {
    const out = redact(sample);
    assert.ok(out.includes("[redacted]"), `not redacted: ${sample}`);
    assert.ok(!out.includes("w/rd") && !out.includes("w%2Frd") && !out.includes(b64), out);
  }
  assert.equal(redact("nothing secret here"), "nothing secret here");
});

Deno.test("createRedactor() ignores values too short to redact safely", () => {
  const redact = createRedactor(["abc", ""]);
  assert.equal(redact("abc abc"), "abc abc");
});

Deno.test("applyOutboundAuth() sets headers over the tool's own and adds query parameters", () => {
  const auth = createOutboundAuth({
    headers: [["authorization", new Secret("Bearer tok-123456")]],
    query: [["api_key", new Secret("k 1&2")]],
    secrets: [new Secret("tok-123456"), new Secret("k 1&2")],
  });
  const request = {
    headers: new Headers({ authorization: "Bearer from-template", accept: "x" }),
    url: new URL("https://api.example/items?api_key=spoofed&q=1"),
  };
  applyOutboundAuth(request, auth);
  assert.equal(request.headers.get("authorization"), "Bearer tok-123456");
  assert.equal(request.headers.get("accept"), "x");
  assert.deepEqual(request.url.searchParams.getAll("api_key"), ["k 1&2"]);
  assert.equal(request.url.searchParams.get("q"), "1");
  assert.equal(auth.redact(request.url.search), "?api_key=[redacted]&q=1");
  assert.equal(JSON.stringify(auth.headers), '[["authorization","[redacted]"]]');
});
