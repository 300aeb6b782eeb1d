import assert from "node:assert/strict";
import { GatewayError } from "../../../lib/errors.ts";
import { buildRequest } from "../../../lib/backends/http/request.ts";
import type { HttpBackendSpec } from "../../../lib/registry/types.ts";

function spec(overrides: Partial<HttpBackendSpec>): HttpBackendSpec {
  return {
    kind: "http",
    method: "POST",
    url: "https://api.example.com/items",
    query: {},
    headers: {},
    timeoutMs: 1000,
    response: { maxBytes: 1000 },
    ...overrides,
  };
}

Deno.test("buildRequest() substitutes header values", () => {
  const request = buildRequest(spec({ headers: { "X-Project": "proj-{key}" } }), { key: "NEX" });
  assert.equal(request.headers.get("x-project"), "proj-NEX");
});

Deno.test("buildRequest() rejects a header value with CR, LF or NUL (header injection)", () => {
  for (const value of ["a\r\nX-Admin: 1", "a\nb", "a\rb", "a\0b"]) {
    assert.throws(
      () => buildRequest(spec({ headers: { "X-Name": "{name}" } }), { name: value }),
      new GatewayError(
        "INVALID_INPUT",
        'Argument "name": header "X-Name" cannot contain CR, LF or NUL characters',
      ),
    );
  }
});

Deno.test("buildRequest() rejects a header value the Headers API refuses", () => {
  assert.throws(
    () => buildRequest(spec({ headers: { "X-Name": "{name}" } }), { name: "snow ☃" }),
    new GatewayError("INVALID_INPUT", 'Argument "name": not a valid value for header "X-Name"'),
  );
});

Deno.test("buildRequest() omits a header whose sole argument is undefined", () => {
  const request = buildRequest(spec({ headers: { "X-Trace": "{trace}", "X-Fixed": "1" } }), {});
  assert.equal(request.headers.has("x-trace"), false);
  assert.equal(request.headers.get("x-fixed"), "1");
});

Deno.test("buildRequest() keeps argument types in the JSON body", () => {
  const body = { tags: "{tags}", count: "{count}", draft: "{draft}", meta: "{meta}", n: "{n}" };
  const args = { tags: ["a", "b"], count: 3, draft: false, meta: { x: { y: 1 } }, n: null };
  const request = buildRequest(spec({ body }), args);
  assert.deepEqual(JSON.parse(request.body ?? ""), args);
});

Deno.test("buildRequest() removes the key of an undefined argument and nulls it in arrays", () => {
  const body = {
    title: "{title}",
    due: "{due}",
    list: ["{due}", "{title}"],
    nested: { d: "{due}" },
  };
  const request = buildRequest(spec({ body }), { title: "T" });
  assert.deepEqual(JSON.parse(request.body ?? ""), { title: "T", list: [null, "T"], nested: {} });
});

Deno.test("buildRequest() interpolates mixed strings, objects as JSON text", () => {
  const body = { summary: "[{key}] {title}", raw: "meta={meta}", literal: "{{not}}", n: 1 };
  const args = { key: "NEX-1", title: "Broken", meta: { a: 1 } };
  const request = buildRequest(spec({ body }), args);
  assert.deepEqual(JSON.parse(request.body ?? ""), {
    summary: "[NEX-1] Broken",
    raw: 'meta={"a":1}',
    literal: "{not}",
    n: 1,
  });
});

Deno.test("buildRequest() names the body field when a mixed string lacks its argument", () => {
  assert.throws(
    () => buildRequest(spec({ body: { fields: { summary: "S: {title}" } } }), {}),
    new GatewayError(
      "INVALID_INPUT",
      'Argument "title": required by body field "fields.summary" but missing',
    ),
  );
});

Deno.test("buildRequest() sends JSON with Content-Type application/json by default", () => {
  const request = buildRequest(spec({ body: { a: "{a}" } }), { a: 1 });
  assert.equal(request.headers.get("content-type"), "application/json");
});

Deno.test("buildRequest() sends a form body: scalars as text, lists repeated, absent and null left out", () => {
  const body = { q: "{q}", tags: "{tags}", n: "{n}", gone: "{gone}", none: null, deep: "{deep}" };
  const request = buildRequest(spec({ body, bodyEncoding: "form" }), {
    q: "a b&c=d",
    tags: ["x", "y"],
    n: 3,
    deep: { k: 1 },
  });
  assert.equal(request.headers.get("content-type"), "application/x-www-form-urlencoded");
  assert.equal(request.body, "q=a+b%26c%3Dd&tags=x&tags=y&n=3&deep=%7B%22k%22%3A1%7D");
});

Deno.test("buildRequest() sends a body with DELETE", () => {
  const request = buildRequest(spec({ method: "DELETE", body: { names: "{names}" } }), {
    names: ["a"],
  });
  assert.equal(request.body, '{"names":["a"]}');
});

Deno.test("buildRequest() keeps a Content-Type the tool sets", () => {
  const headers = { "Content-Type": "application/vnd.api+json" };
  const request = buildRequest(spec({ body: { a: 1 }, headers }), {});
  assert.equal(request.headers.get("content-type"), "application/vnd.api+json");
});

Deno.test("buildRequest() sends no body for GET even when the tool has a body template", () => {
  const request = buildRequest(spec({ method: "GET", body: { a: 1 } }), {});
  assert.equal(request.body, undefined);
  assert.equal(request.headers.has("content-type"), false);
});

Deno.test("buildRequest() sends no body when the whole body is an undefined argument", () => {
  const request = buildRequest(spec({ method: "PUT", body: "{payload}" }), {});
  assert.equal(request.body, undefined);
});

Deno.test("buildRequest() keeps a __proto__ key in the body as data", () => {
  const request = buildRequest(spec({ body: JSON.parse('{"__proto__": {"x": "{x}"}}') }), { x: 1 });
  assert.equal(request.body, '{"__proto__":{"x":1}}');
});
