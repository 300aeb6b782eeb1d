import assert from "node:assert/strict";
import { loadYaml, oneTool } from "../_support/registry_fixtures/yaml.ts";

const INPUT = `    input:
      type: object
      properties:
        key: { type: string }
        labels: { type: array, items: { type: string } }
        priority: { type: integer }
`;

/** A tool with the INPUT arguments and `http` lines (indented by 6) after `http:` on line 10. */
function httpTool(lines: string): string {
  return oneTool(`${INPUT}    http:\n${lines}`);
}

Deno.test("parseToolYaml() builds a POST spec with a typed JSON body template", () => {
  const { tools, problems } = loadYaml(httpTool(`      method: POST
      url: https://api.example.com/tickets?src={key}
      headers: { X-Request-Key: "{key}", Accept: application/json }
      body: { title: "Ticket {key}", labels: "{labels}", priority: "{priority}", literal: "{{x}}" }
      timeout: 250ms
      response: { select: [id, "items.*.id"], maxBytes: 5000 }
`));
  assert.deepEqual(problems, []);
  assert.deepEqual(tools[0]?.backend, {
    kind: "http",
    method: "POST",
    url: "https://api.example.com/tickets?src={key}",
    query: {},
    headers: { "X-Request-Key": "{key}", Accept: "application/json" },
    body: { title: "Ticket {key}", labels: "{labels}", priority: "{priority}", literal: "{{x}}" },
    timeoutMs: 250,
    response: { select: ["id", "items.*.id"], maxBytes: 5000 },
  });
});

Deno.test("parseToolYaml() reports a placeholder that is not a declared argument", () => {
  const text = httpTool(`      method: POST
      url: https://api.example.com/{project}/issues
      query:
        q: "{query}"
      headers: { X-Id: "{id}" }
      body:
        fields:
          - "{key}"
          - "{summary}"
`);
  const hint = "is not a declared argument (declare it in input.properties)";
  assert.deepEqual(loadYaml(text).problems, [
    `t.yaml:12: tool "t1": placeholder "{project}" in http.url ${hint}`,
    `t.yaml:14: tool "t1": placeholder "{query}" in http.query.q ${hint}`,
    `t.yaml:15: tool "t1": placeholder "{id}" in http.headers.X-Id ${hint}`,
    `t.yaml:19: tool "t1": placeholder "{summary}" in http.body.fields[1] ${hint}`,
  ]);
});

Deno.test("parseToolYaml() refuses placeholders in the scheme, host or port of the url", () => {
  const message =
    "url may have placeholders only in its path and query, never its scheme, host or port";
  const cases: Array<[string, string]> = [
    ["https://{key}.example.com/x", message],
    ["https://example.com:{key}/x", message],
    ["https://example.com{key}", message],
    ["https://{key}@example.com/x", message],
    ["{key}://example.com/x", "url must be absolute"],
  ];
  for (const [url, expected] of cases) {
    const text = httpTool(`      url: "${url}"\n`);
    assert.deepEqual(loadYaml(text).problems, [`t.yaml:11: tool "t1": ${expected}`], url);
  }
});

Deno.test("parseToolYaml() refuses relative, non-http and credential-bearing urls", () => {
  const cases: Array<[string, string]> = [
    ["api.example.com/x", "url must be absolute"],
    ["ftp://files.example.com/x", "url must use http or https"],
    [
      "https://user:pw@api.example.com/x",
      "url must not contain credentials: name a credential with auth instead",
    ],
    [
      "https://api.example.com/{key",
      `url: unmatched "{" at position 25; write "{{" or "}}" for a brace`,
    ],
  ];
  for (const [url, message] of cases) {
    const text = httpTool(`      url: "${url}"\n`);
    assert.deepEqual(loadYaml(text).problems, [`t.yaml:11: tool "t1": ${message}`], url);
  }
});

Deno.test("parseToolYaml() refuses a body on GET and HEAD", () => {
  for (const method of ["GET", "HEAD"]) {
    const text = httpTool(`      method: ${method}
      url: https://api.example.com/x
      body: { a: 1 }
`);
    assert.deepEqual(loadYaml(text).problems, [
      `t.yaml:13: tool "t1": body is not allowed with ${method}: only POST, PUT, PATCH and DELETE`,
    ]);
  }
});

Deno.test("parseToolYaml() reads bodyEncoding form and refuses other values or a non-mapping body", () => {
  const form = loadYaml(httpTool(`      method: DELETE
      url: https://api.example.com/x
      body: { a: 1 }
      bodyEncoding: form
`));
  assert.deepEqual(form.problems, []);
  const backend = form.tools[0]!.backend;
  assert.ok(backend.kind === "http");
  assert.equal(backend.bodyEncoding, "form");
  const bad = loadYaml(httpTool(`      method: POST
      url: https://api.example.com/x
      body: [1]
      bodyEncoding: form
`));
  assert.deepEqual(bad.problems, [
    `t.yaml:14: tool "t1": http.bodyEncoding form needs http.body to be a mapping`,
  ]);
  const unknown = loadYaml(httpTool(`      method: POST
      url: https://api.example.com/x
      bodyEncoding: xml
`));
  assert.deepEqual(unknown.problems, [
    `t.yaml:13: tool "t1": http.bodyEncoding must be json or form`,
  ]);
});

Deno.test("parseToolYaml() checks method, timeout, response and header names", () => {
  const text = httpTool(`      method: FETCH
      url: https://api.example.com/x
      timeout: 6m
      headers: { Host: evil.example.com }
      response: { select: ["a..b"], maxBytes: 0 }
`);
  assert.deepEqual(loadYaml(text).problems, [
    `t.yaml:11: tool "t1": http.method must be one of GET, POST, PUT, PATCH, DELETE, HEAD`,
    `t.yaml:13: tool "t1": http.timeout must be at most 5m`,
    `t.yaml:14: tool "t1": header "Host" is set by the gateway and cannot be templated`,
    `t.yaml:15: tool "t1": http.response.select must be a list of dot paths such as fields.summary`,
    `t.yaml:15: tool "t1": http.response.maxBytes must be a whole number from 1 to 10000000`,
  ]);
});

Deno.test("parseToolYaml() reports a missing url and a non-mapping query", () => {
  const text = httpTool(`      method: GET\n      query: [a, b]\n`);
  assert.deepEqual(loadYaml(text).problems, [
    `t.yaml:10: tool "t1": missing required key "http.url"`,
    `t.yaml:12: tool "t1": http.query must be a mapping of names to strings`,
  ]);
});
