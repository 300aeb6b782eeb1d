/**
 * OpenAPI schema objects (Swagger 2.0, OpenAPI 3.0 and 3.1 dialects) to the JSON Schema 2020-12
 * that tool inputs are compiled with (AJV strict mode): only keywords AJV knows, formats it knows,
 * patterns it can compile. `$ref`s are expanded inline; a recursive one is cut after
 * `MAX_RECURSION` levels and the cut is described, so conversion always ends.
 */

import type { JsonObject, JsonValue } from "../registry/mod.ts";
import { arrayAt, isObject, type SpecVersion, stringAt } from "./doc.ts";
import { isSmallJson, toJson } from "./json.ts";
import { refName, resolveNode } from "./refs.ts";
import { cutText, FIELD_DESCRIPTION_MAX, TITLE_MAX } from "./text.ts";

/** Times one `$ref` may be expanded inside itself before it is cut. */
export const MAX_RECURSION = 2;
/** Nesting depth past which a schema is cut even without recursion. */
export const MAX_DEPTH = 12;

/** What converting one schema needs: the document and where in it we are. */
export interface SchemaContext {
  doc: JsonObject;
  version: SpecVersion;
  /** Drop `readOnly` properties: the schema describes what a client sends. */
  forRequest: boolean;
}

interface Walk {
  ctx: SchemaContext;
  /** `$ref`s being expanded, outermost first. */
  stack: readonly string[];
  depth: number;
}

const TYPES = new Set(["string", "number", "integer", "boolean", "array", "object", "null"]);
// The formats ajv-formats registers; any other is a load error in strict mode, so it is dropped.
const FORMATS = new Set([
  ...["date", "time", "date-time", "iso-time", "iso-date-time", "duration", "uri"],
  ...["uri-reference", "uri-template", "url", "email", "hostname", "ipv4", "ipv6", "regex"],
  ...["uuid", "json-pointer", "json-pointer-uri-fragment", "relative-json-pointer", "byte"],
  ...["int32", "int64", "float", "double", "password", "binary"],
]);
const COUNTS = [
  ...["minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties"],
  ...["minContains", "maxContains"],
];
const FLAGS = ["uniqueItems", "deprecated", "readOnly", "writeOnly"];
const SUBSCHEMA_LISTS = ["allOf", "oneOf", "anyOf"];
const SUBSCHEMAS = ["not", "propertyNames", "contains"];

/**
 * Converts one schema (or a `$ref` to one) for a tool's input; never throws, an unreadable
 * schema becomes `{}` (any value).
 */
export function convertSchema(value: unknown, ctx: SchemaContext): JsonObject {
  return convert(value, { ctx, stack: [], depth: 0 });
}

function convert(value: unknown, walk: Walk): JsonObject {
  if (value === true || value === undefined) return {};
  if (value === false) return { not: {} };
  const { node: target, ref, siblings } = resolveNode(walk.ctx.doc, value);
  const node = { ...target, ...siblings };
  if (ref !== undefined && walk.stack.filter((seen) => seen === ref).length >= MAX_RECURSION) {
    return cut(node, `recursive "${refName(ref)}", cut after ${MAX_RECURSION} levels`);
  }
  if (walk.depth > MAX_DEPTH) return cut(node, `nested deeper than ${MAX_DEPTH} levels`);
  const inner: Walk = {
    ctx: walk.ctx,
    stack: ref === undefined ? walk.stack : [...walk.stack, ref],
    depth: walk.depth + 1,
  };
  const out: JsonObject = {};
  copyType(node, out, walk.ctx.version);
  copyAnnotations(node, out);
  copyValues(node, out);
  copyNumbers(node, out);
  copyStructure(node, out, inner);
  return nullable(node, out, walk.ctx.version);
}

/** Where recursion or depth stops: the type survives, the reason is described. */
function cut(node: JsonObject, reason: string): JsonObject {
  const out: JsonObject = {};
  copyType(node, out, "3.1");
  const text = stringAt(node.description);
  const note = `(${reason}: send the same shape as above)`;
  out.description = text === undefined ? note : `${cutText(text, FIELD_DESCRIPTION_MAX)} ${note}`;
  return out;
}

function copyAnnotations(node: JsonObject, out: JsonObject): void {
  const title = stringAt(node.title);
  if (title !== undefined) out.title = cutText(title, TITLE_MAX);
  const description = stringAt(node.description);
  if (description !== undefined) out.description = cutText(description, FIELD_DESCRIPTION_MAX);
  for (const flag of FLAGS) if (typeof node[flag] === "boolean") out[flag] = node[flag];
  for (const key of ["contentMediaType", "contentEncoding"]) {
    if (typeof node[key] === "string") out[key] = node[key];
  }
  const format = stringAt(node.format);
  if (format !== undefined && FORMATS.has(format)) out.format = format;
  const pattern = stringAt(node.pattern);
  if (pattern !== undefined && compiles(pattern)) out.pattern = pattern;
}

function copyType(node: JsonObject, out: JsonObject, version: SpecVersion): void {
  const raw = Array.isArray(node.type) ? node.type : [node.type];
  const types = raw.map((type) => type === "file" && version === "2.0" ? "string" : type)
    .filter((type): type is string => typeof type === "string" && TYPES.has(type));
  const unique = [...new Set(types)];
  if (unique.length === 1) out.type = unique[0]!;
  else if (unique.length > 1) out.type = unique;
}

function copyValues(node: JsonObject, out: JsonObject): void {
  if (Array.isArray(node.enum) && node.enum.length > 0) {
    out.enum = uniqueValues(node.enum.map(toJson));
  }
  if (node.const !== undefined) out.const = toJson(node.const);
  if (node.default !== undefined) out.default = toJson(node.default);
  const examples = Array.isArray(node.examples)
    ? node.examples.map(toJson)
    : node.example === undefined
    ? []
    : [toJson(node.example)];
  const small = examples.filter((example) => isSmallJson(example, 200)).slice(0, 3);
  if (small.length > 0) out.examples = small;
}

function copyNumbers(node: JsonObject, out: JsonObject): void {
  for (const key of ["minimum", "maximum"]) {
    if (typeof node[key] === "number") out[key] = node[key];
  }
  if (typeof node.multipleOf === "number" && node.multipleOf > 0) out.multipleOf = node.multipleOf;
  for (const [flag, bound] of [["exclusiveMinimum", "minimum"], ["exclusiveMaximum", "maximum"]]) {
    const value = node[flag!];
    if (typeof value === "number") out[flag!] = value;
    // Why: OpenAPI 3.0 and Swagger 2.0 write `exclusiveMinimum: true` beside `minimum`.
    if (value === true && typeof node[bound!] === "number") {
      out[flag!] = node[bound!]!;
      delete out[bound!];
    }
  }
  for (const key of COUNTS) {
    const value = node[key];
    if (typeof value === "number" && Number.isInteger(value) && value >= 0) out[key] = value;
  }
}

function copyStructure(node: JsonObject, out: JsonObject, walk: Walk): void {
  if (Array.isArray(node.items)) {
    out.prefixItems = node.items.map((item) => convert(item, walk));
  } else if (node.items !== undefined) out.items = convert(node.items, walk);
  if (Array.isArray(node.prefixItems)) {
    out.prefixItems = node.prefixItems.map((item) => convert(item, walk));
  }
  copyProperties(node, out, walk);
  for (const key of SUBSCHEMA_LISTS) {
    const list = arrayAt(node[key]).map((item) => convert(item, walk));
    if (list.length > 0) out[key] = list;
  }
  for (const key of SUBSCHEMAS) {
    if (isObject(node[key]) || typeof node[key] === "boolean") out[key] = convert(node[key], walk);
  }
  const additional = node.additionalProperties;
  if (typeof additional === "boolean") out.additionalProperties = additional;
  else if (isObject(additional)) out.additionalProperties = convert(additional, walk);
  if (isObject(node.patternProperties)) {
    const entries = Object.entries(node.patternProperties).filter(([pattern]) => compiles(pattern))
      .map(([pattern, schema]): [string, JsonValue] => [pattern, convert(schema, walk)]);
    if (entries.length > 0) out.patternProperties = Object.fromEntries(entries);
  }
}

function copyProperties(node: JsonObject, out: JsonObject, walk: Walk): void {
  const properties: JsonObject = {};
  const dropped = new Set<string>();
  for (const [name, schema] of Object.entries(objectOrEmpty(node.properties))) {
    const converted = convert(schema, walk);
    if (walk.ctx.forRequest && converted.readOnly === true) dropped.add(name);
    else properties[name] = converted;
  }
  if (isObject(node.properties)) out.properties = properties;
  const required = arrayAt(node.required).filter((name): name is string =>
    typeof name === "string" && !dropped.has(name)
  );
  if (required.length > 0) out.required = [...new Set(required)];
}

/** OpenAPI 3.0 `nullable: true` (and Swagger's `x-nullable`) as JSON Schema's `null` type. */
function nullable(node: JsonObject, out: JsonObject, version: SpecVersion): JsonObject {
  if (version === "3.1" || (node.nullable !== true && node["x-nullable"] !== true)) return out;
  if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  if (typeof out.type === "string") return { ...out, type: [out.type, "null"] };
  if (Array.isArray(out.type)) {
    return out.type.includes("null") ? out : { ...out, type: [...out.type, "null"] };
  }
  return { anyOf: [out, { type: "null" }] };
}

function objectOrEmpty(value: unknown): JsonObject {
  return isObject(value) ? value : {};
}

function uniqueValues(values: JsonValue[]): JsonValue[] {
  const seen = new Set<string>();
  return values.filter((value) => {
    const key = JSON.stringify(value);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Whether AJV (which compiles patterns with the `u` flag) accepts a pattern. */
function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern, "u");
    return true;
  } catch {
    return false;
  }
}
