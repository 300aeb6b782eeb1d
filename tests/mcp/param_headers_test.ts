import assert from "node:assert/strict";
import {
  paramHeaderMismatch,
  paramHeaderRejection,
  scanParamHeaders,
} from "../../lib/mcp/param_headers.ts";

const SCHEMA = {
  type: "object",
  properties: {
    region: { type: "string", "x-mcp-header": "Region" },
    count: { type: "integer", "x-mcp-header": "Count" },
    nested: { type: "object", properties: { flag: { type: "boolean", "x-mcp-header": "Flag" } } },
  },
};
const META = { "io.modelcontextprotocol/protocolVersion": "2026-07-28" };

Deno.test("scanParamHeaders() finds declarations along properties chains", () => {
  assert.deepEqual(scanParamHeaders(SCHEMA), [
    { path: ["region"], name: "Region", type: "string" },
    { path: ["count"], name: "Count", type: "integer" },
    { path: ["nested", "flag"], name: "Flag", type: "boolean" },
  ]);
  assert.deepEqual(scanParamHeaders({ type: "object" }), []);
});

Deno.test("scanParamHeaders() declares nothing for a schema that breaks the rules", () => {
  const broken = [
    { properties: { a: { type: "object", "x-mcp-header": "A" } } },
    { properties: { a: { type: "string", "x-mcp-header": "Bad Name" } } },
    { properties: { a: { type: "string", "x-mcp-header": "" } } },
    { properties: { a: { type: "array", items: { type: "string", "x-mcp-header": "A" } } } },
    { oneOf: [{ properties: { a: { type: "string", "x-mcp-header": "A" } } }] },
    {
      properties: {
        a: { type: "string", "x-mcp-header": "Dup" },
        b: { type: "string", "x-mcp-header": "dup" },
      },
    },
    { type: "object", "x-mcp-header": "Root" },
  ];
  for (const schema of broken) {
    assert.deepEqual(scanParamHeaders(schema), [], JSON.stringify(schema));
  }
});

Deno.test("paramHeaderMismatch() accepts equal values, Base64 and numbers compared as numbers", () => {
  const declarations = scanParamHeaders(SCHEMA);
  const args = { region: "Zürich", count: 42, nested: { flag: true } };
  const utf8 = btoa(String.fromCharCode(...new TextEncoder().encode("Zürich")));
  const headers = new Headers({
    "Mcp-Param-Region": `=?base64?${utf8}?=`,
    "mcp-param-count": " 42.0 ",
    "MCP-PARAM-FLAG": "true",
  });
  assert.equal(paramHeaderMismatch(declarations, args, headers), undefined);
  // Why: an absent or null body value expects no header, and a header then is ignored.
  assert.equal(paramHeaderMismatch(declarations, { region: null }, new Headers()), undefined);
});

Deno.test("paramHeaderMismatch() refuses a missing, undecodable or different header", () => {
  const declarations = scanParamHeaders(SCHEMA);
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{}, /region="eu" but the Mcp-Param-Region header is absent/],
    [{ "Mcp-Param-Region": "=?base64?ZXU?=" }, /invalid Base64 value/],
    [{ "Mcp-Param-Region": "=?base64?Z!!!XU=?=" }, /invalid Base64 value/],
    [{ "Mcp-Param-Region": "us" }, /decodes to "us" but the body carries region="eu"/],
    [{ "Mcp-Param-Region": "ZXU=" }, /decodes to "ZXU="/],
  ];
  for (const [headers, message] of cases) {
    const mismatch = paramHeaderMismatch(declarations, { region: "eu" }, new Headers(headers));
    assert.equal(mismatch?.header, "Mcp-Param-Region");
    assert.match(mismatch?.message ?? "", message);
  }
});

Deno.test("paramHeaderRejection() answers HTTP 400 with -32020 for a 2026-07-28 tools/call", async () => {
  const body = {
    jsonrpc: "2.0",
    id: 7,
    method: "tools/call",
    params: { name: "deploy", arguments: { region: "eu" }, _meta: META },
  };
  const request = new Request("http://gw/mcp", {
    method: "POST",
    headers: { "Mcp-Param-Region": "us" },
  });
  const lookups: string[] = [];
  const declarationsOf = (name: string) => {
    lookups.push(name);
    return name === "deploy" ? scanParamHeaders(SCHEMA) : undefined;
  };
  const response = paramHeaderRejection(request, body, declarationsOf);
  assert.equal(response?.status, 400);
  const answer = await response!.json();
  assert.equal(answer.id, 7);
  assert.equal(answer.error.code, -32020);
  assert.equal(answer.error.data.mismatch.header, "Mcp-Param-Region");
  assert.deepEqual(lookups, ["deploy"]);
  const legacy = { ...body, params: { ...body.params, _meta: {} } };
  assert.equal(paramHeaderRejection(request, legacy, declarationsOf), undefined, "2025: no check");
  const unknown = { ...body, params: { ...body.params, name: "hidden" } };
  assert.equal(paramHeaderRejection(request, unknown, declarationsOf), undefined);
  assert.equal(paramHeaderRejection(request, [body], declarationsOf), undefined);
});
