import assert from "node:assert/strict";
import { GatewayError } from "../../../lib/errors.ts";
import { buildUrl } from "../../../lib/backends/http/url.ts";

const BASE = "https://api.example.com";

function rejects(fn: () => unknown, code: string, message: string | RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof GatewayError);
    assert.equal(error.code, code);
    if (typeof message === "string") assert.equal(error.message, message);
    else assert.match(error.message, message);
    return true;
  });
}

Deno.test("buildUrl() percent-encodes a path argument so it cannot add a path segment", () => {
  const url = buildUrl({ url: `${BASE}/files/{name}/raw`, query: {} }, { name: "a/b?c#d" });
  assert.equal(url.href, `${BASE}/files/a%2Fb%3Fc%23d/raw`);
  assert.equal(url.pathname.split("/").length, 4);
});

Deno.test("buildUrl() keeps ../admin inside one encoded segment", () => {
  const url = buildUrl({ url: `${BASE}/users/{id}`, query: {} }, { id: "../admin" });
  assert.equal(url.pathname, "/users/..%2Fadmin");
});

Deno.test("buildUrl() rejects a path argument that is . or .. or decodes to them", () => {
  for (const id of ["..", ".", "%2e%2e", "%2E.", "%252e%252e"]) {
    rejects(
      () => buildUrl({ url: `${BASE}/users/{id}/repos`, query: {} }, { id }),
      "INVALID_INPUT",
      'Argument "id": path segment cannot be "." or ".."',
    );
  }
});

Deno.test("buildUrl() allows dots inside a longer path segment", () => {
  const url = buildUrl({ url: `${BASE}/files/{name}`, query: {} }, { name: "..hidden" });
  assert.equal(url.pathname, "/files/..hidden");
});

Deno.test("buildUrl() rejects a path argument that would leave an empty segment", () => {
  rejects(
    () => buildUrl({ url: `${BASE}/users/{id}/repos`, query: {} }, { id: "" }),
    "INVALID_INPUT",
    'Argument "id": path segment is empty',
  );
});

Deno.test("buildUrl() stringifies number and boolean path arguments", () => {
  const url = buildUrl({ url: `${BASE}/page/{n}/{flag}`, query: {} }, { n: 42, flag: true });
  assert.equal(url.pathname, "/page/42/true");
});

Deno.test("buildUrl() rejects an undefined path argument naming it", () => {
  rejects(
    () => buildUrl({ url: `${BASE}/users/{id}`, query: {} }, {}),
    "INVALID_INPUT",
    'Argument "id": required by the URL path but missing',
  );
});

Deno.test("buildUrl() encodes placeholders in the query part of the URL template", () => {
  const url = buildUrl({ url: `${BASE}/search?q={q}&v=1`, query: {} }, { q: "a&b=c #d" });
  assert.equal(url.search, "?q=a%26b%3Dc%20%23d&v=1");
  assert.equal(url.searchParams.get("q"), "a&b=c #d");
  assert.equal(url.searchParams.get("b"), null);
});

Deno.test("buildUrl() repeats a query parameter for an array argument", () => {
  const url = buildUrl({ url: `${BASE}/issues`, query: { label: "{labels}" } }, {
    labels: ["bug", "p1"],
  });
  assert.deepEqual(url.searchParams.getAll("label"), ["bug", "p1"]);
});

Deno.test("buildUrl() omits a query parameter whose sole argument is undefined or null", () => {
  const query = { limit: "{limit}", state: "{state}", fixed: "yes" };
  const url = buildUrl({ url: `${BASE}/issues`, query }, { state: null });
  assert.equal(url.search, "?fixed=yes");
});

Deno.test("buildUrl() encodes substituted query map values through URLSearchParams", () => {
  const url = buildUrl({
    url: `${BASE}/search`,
    query: {
      jql: 'project = {project} AND text ~ "{text}"',
    },
  }, { project: "NEX", text: "a&b" });
  assert.equal(url.searchParams.get("jql"), 'project = NEX AND text ~ "a&b"');
  assert.deepEqual([...url.searchParams.keys()], ["jql"]);
});

Deno.test("buildUrl() rejects a mixed query template whose argument is missing", () => {
  rejects(
    () => buildUrl({ url: `${BASE}/search`, query: { jql: "project = {project}" } }, {}),
    "INVALID_INPUT",
    'Argument "project": required by query parameter "jql" but missing',
  );
});

Deno.test("buildUrl() refuses placeholders in scheme, host or port as INVALID_TOOL", () => {
  for (const template of ["https://{host}/x", "https://api.example.com:{port}/x", "{s}://a/x"]) {
    rejects(
      () => buildUrl({ url: template, query: {} }, { host: "evil", port: 1, s: "http" }),
      "INVALID_TOOL",
      /only in the path and query/,
    );
  }
});

Deno.test("buildUrl() rejects a template that is not an absolute URL as INVALID_TOOL", () => {
  rejects(
    () => buildUrl({ url: "/relative/{id}", query: {} }, { id: "1" }),
    "INVALID_TOOL",
    /only in the path and query/,
  );
});

Deno.test("buildUrl() keeps the origin whatever the argument contains", () => {
  for (const id of ["@evil.example", "//evil.example", "\\\\evil.example", "http://evil.example"]) {
    const url = buildUrl({ url: `${BASE}/{id}`, query: {} }, { id });
    assert.equal(url.origin, BASE, id);
  }
});
