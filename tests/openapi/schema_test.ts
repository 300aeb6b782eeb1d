/** `convertSchema()`: OpenAPI dialects in, AJV-strict JSON Schema 2020-12 out, recursion cut. */

import assert from "node:assert/strict";
import { convertSchema, MAX_DEPTH } from "../../lib/openapi/schema.ts";
import type { JsonObject } from "../../lib/registry/mod.ts";
import { createSchemaCompiler } from "../../lib/registry/schema.ts";

/** Compiles a converted schema as a tool's input with the registry's own (strict) compiler. */
function compileProblem(schema: JsonObject): string | undefined {
  const compiled = createSchemaCompiler()({ type: "object", properties: { a: schema } }, "input");
  return typeof compiled === "function" ? undefined : compiled.message;
}

const CTX = { version: "3.0" as const, forRequest: true };

Deno.test("convertSchema() cuts a self-referencing schema after two levels and describes it", () => {
  const doc: JsonObject = {
    components: {
      schemas: {
        Node: {
          type: "object",
          properties: { next: { $ref: "#/components/schemas/Node" }, value: { type: "string" } },
        },
      },
    },
  };
  const schema = convertSchema({ $ref: "#/components/schemas/Node" }, { ...CTX, doc });
  const third = (((schema.properties as JsonObject).next as JsonObject).properties as JsonObject)
    .next as JsonObject;
  assert.equal(third.type, "object");
  assert.match(String(third.description), /recursive "Node", cut after 2 levels/);
  assert.equal(third.properties, undefined);
  assert.equal(compileProblem(schema), undefined);
});

Deno.test("convertSchema() cuts a deep but finite schema at the depth limit", () => {
  let deep: JsonObject = { type: "string" };
  for (let i = 0; i < MAX_DEPTH + 5; i++) deep = { type: "object", properties: { a: deep } };
  const text = JSON.stringify(convertSchema(deep, { ...CTX, doc: {} }));
  assert.match(text, new RegExp(`nested deeper than ${MAX_DEPTH} levels`));
});

Deno.test("convertSchema() maps OpenAPI 3.0 and Swagger 2.0 keywords to what AJV strict accepts", () => {
  const source: JsonObject = {
    type: "object",
    discriminator: { propertyName: "kind" },
    "x-extension": 1,
    xml: { name: "x" },
    properties: {
      when: { type: "string", format: "date-time", default: new Date(0) as never },
      price: { type: "number", format: "decimal", minimum: 0, exclusiveMinimum: true },
      state: { type: "string", enum: ["a", "b"], nullable: true },
      picked: { allOf: [{ $ref: "#/definitions/Named" }], nullable: true },
      tuple: { type: "array", items: [{ type: "string" }, { type: "integer" }] },
      odd: { type: "string", pattern: "[[:alpha:]]+(" },
    },
  };
  const doc: JsonObject = { definitions: { Named: { type: "object", required: ["name"] } } };
  const out = convertSchema(source, { ...CTX, doc }) as {
    properties: Record<string, JsonObject>;
  } & JsonObject;
  assert.equal(out.discriminator, undefined);
  assert.equal(out["x-extension"], undefined);
  assert.equal(out.xml, undefined);
  assert.equal(out.properties.when!.default, "1970-01-01T00:00:00.000Z");
  assert.deepEqual(out.properties.price, { type: "number", exclusiveMinimum: 0 });
  assert.deepEqual(out.properties.state, { type: ["string", "null"], enum: ["a", "b", null] });
  assert.deepEqual(out.properties.picked, {
    anyOf: [{ allOf: [{ type: "object", required: ["name"] }] }, { type: "null" }],
  });
  assert.deepEqual(out.properties.tuple!.prefixItems, [{ type: "string" }, { type: "integer" }]);
  assert.equal(out.properties.odd!.pattern, undefined);
  const file = convertSchema({ type: "file" }, { ...CTX, version: "2.0", doc: {} });
  assert.deepEqual(file, { type: "string" });
  assert.equal(compileProblem(out), undefined);
  assert.match(compileProblem(source) ?? "", /invalid input schema/, "the source would not load");
});

Deno.test("convertSchema() keeps 3.1 type arrays and $ref siblings, drops readOnly in requests", () => {
  const doc: JsonObject = {
    components: { schemas: { Id: { type: "integer", description: "An id" } } },
  };
  const schema: JsonObject = {
    type: "object",
    required: ["id", "ref"],
    properties: {
      id: { type: "integer", readOnly: true },
      ref: { $ref: "#/components/schemas/Id", description: "Overrides the target's" },
      maybe: { type: ["string", "null"] },
    },
  };
  const request = convertSchema(schema, { doc, version: "3.1", forRequest: true });
  assert.deepEqual(request, {
    type: "object",
    properties: {
      ref: { type: "integer", description: "Overrides the target's" },
      maybe: { type: ["string", "null"] },
    },
    required: ["ref"],
  });
  const response = convertSchema(schema, { doc, version: "3.1", forRequest: false });
  assert.ok("id" in (response.properties as JsonObject));
});
