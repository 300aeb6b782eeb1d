import assert from "node:assert/strict";
import { createSchemaCompiler } from "../../lib/registry/schema.ts";
import type { SchemaCheck } from "../../lib/registry/types.ts";

function compileOk(
  schema: Record<string, unknown>,
  role: "input" | "output" = "input",
): SchemaCheck {
  const check = createSchemaCompiler()(schema as never, role);
  assert.equal(typeof check, "function", JSON.stringify(check));
  return check as SchemaCheck;
}

const ISSUE_SCHEMA = {
  type: "object",
  properties: {
    key: { type: "string", pattern: "^[A-Z]+-[0-9]+$" },
    tags: { type: "array", items: { type: "object", properties: { id: { type: "integer" } } } },
    email: { type: "string", format: "email" },
  },
  required: ["key"],
  additionalProperties: false,
};

Deno.test("checkInput names the argument that broke a pattern", () => {
  const check = compileOk(ISSUE_SCHEMA);
  assert.deepEqual(check({ key: "abc" }), ['argument "key": must match pattern "^[A-Z]+-[0-9]+$"']);
  assert.deepEqual(check({ key: "AB-1" }), []);
});

Deno.test("checkInput reports a missing required argument and an unknown one", () => {
  const check = compileOk(ISSUE_SCHEMA);
  assert.deepEqual(check({ foo: 1 }), [
    'missing required argument "key"',
    'unknown argument "foo"',
  ]);
});

Deno.test("checkInput names nested fields with indexes and checks formats", () => {
  const check = compileOk(ISSUE_SCHEMA);
  assert.deepEqual(check({ key: "AB-1", tags: [{ id: 1 }, { id: "x" }], email: "nope" }), [
    'argument "tags[1].id": must be integer',
    'argument "email": must match format "email"',
  ]);
  assert.deepEqual(check("text"), ["arguments must be object"]);
});

Deno.test("checkOutput speaks of fields instead of arguments", () => {
  const check = compileOk({
    type: "object",
    properties: { n: { type: "integer" } },
    required: ["n"],
  }, "output");
  assert.deepEqual(check({}), ['missing required field "n"']);
  assert.deepEqual(check({ n: "x" }), ['field "n": must be integer']);
});

Deno.test("createSchemaCompiler() reports an invalid schema with the keyword's path", () => {
  const compile = createSchemaCompiler();
  assert.deepEqual(compile({ type: "object", properties: { a: { minLength: "x" } } }, "input"), {
    message: "invalid input schema at properties.a.minLength: must be integer",
    path: ["properties", "a", "minLength"],
  });
  assert.deepEqual(compile({ type: "string" }, "input"), {
    message: "input schema must have type: object",
    path: ["type"],
  });
  const typo = compile({ type: "object", properties: { a: { typo: 1 } } }, "input");
  assert.match(typeof typo === "function" ? "" : typo.message, /unknown keyword: "typo"/);
  const regex = compile(
    { type: "object", properties: { a: { type: "string", pattern: "([" } } },
    "input",
  );
  assert.match(typeof regex === "function" ? "" : regex.message, /pattern|regular expression/i);
});

Deno.test("createSchemaCompiler() compiles two schemas with the same $id", () => {
  const compile = createSchemaCompiler();
  const schema = { $id: "https://example.com/a", type: "object" };
  assert.equal(typeof compile(schema, "input"), "function");
  assert.equal(typeof compile(schema, "input"), "function");
});
