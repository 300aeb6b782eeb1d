import assert from "node:assert/strict";
import { loadYaml, oneTool } from "../_support/registry_fixtures/yaml.ts";

/** A tool whose `http` section (indented by 6) starts on line 5. */
function httpTool(lines: string): string {
  return oneTool(`    http:\n      url: https://slack.com/api/conversations.list\n${lines}`);
}

Deno.test("parseToolYaml() reads response.errorWhen and cursor pagination", () => {
  const { tools, problems } = loadYaml(httpTool(`      response:
        errorWhen: { path: ok, equals: false, message: error }
      pagination:
        style: cursor
        maxPages: 5
        items: channels
        cursor: response_metadata.next_cursor
        param: cursor
`));
  assert.deepEqual(problems, []);
  const backend = tools[0]?.backend;
  assert.ok(backend?.kind === "http");
  assert.deepEqual(backend.response.errorWhen, { path: "ok", equals: false, message: "error" });
  assert.deepEqual(backend.pagination, {
    style: "cursor",
    maxPages: 5,
    items: "channels",
    cursor: "response_metadata.next_cursor",
    param: "cursor",
  });
});

Deno.test("parseToolYaml() reports errorWhen and pagination mistakes with file:line", () => {
  const text = httpTool(`      response:
        errorWhen: { path: "a..b", message: 3 }
      pagination:
        style: nextUrl
        maxPages: 50
        param: cursor
`);
  assert.deepEqual(loadYaml(text).problems, [
    't.yaml:7: tool "t1": http.response.errorWhen.path must be a dot path into the JSON body, such as meta.next',
    't.yaml:7: tool "t1": http.response.errorWhen.message must be a dot path into the JSON body, such as meta.next',
    't.yaml:7: tool "t1": http.response.errorWhen.equals must be a JSON value',
    't.yaml:8: tool "t1": http.pagination.nextUrl must be a dot path into the JSON body, such as meta.next',
    't.yaml:10: tool "t1": http.pagination.maxPages is required: a whole number from 1 to 20',
    't.yaml:11: tool "t1": unknown key "http.pagination.param"',
  ]);
});

Deno.test("parseToolYaml() requires a known pagination style and maxPages", () => {
  assert.deepEqual(
    loadYaml(httpTool(`      pagination: { style: offset, maxPages: 2 }\n`)).problems,
    ['t.yaml:6: tool "t1": http.pagination.style must be one of cursor, link, nextUrl'],
  );
  assert.deepEqual(
    loadYaml(httpTool(`      pagination: { style: link }\n`)).problems,
    ['t.yaml:6: tool "t1": http.pagination.maxPages is required: a whole number from 1 to 20'],
  );
  assert.deepEqual(
    loadYaml(httpTool(`      pagination: { style: link, maxPages: 3 }\n`)).problems,
    [],
  );
});
