/**
 * Request bodies to tool arguments. A JSON object body is flattened: each property is an argument
 * and the body template puts it back (`{ name: "{name}" }`), `allOf` parts merged first. Any other
 * JSON body (an array, a `oneOf`, a map) is one `body` argument sent as it is given.
 */

import type { JsonObject, JsonValue } from "../registry/mod.ts";
import { claimArg, describe, type RequestParts } from "./args.ts";
import { arrayAt, isObject, type SpecVersion, stringAt } from "./doc.ts";
import { resolveNode } from "./refs.ts";
import { convertSchema } from "./schema.ts";
import { cutText, FIELD_DESCRIPTION_MAX } from "./text.ts";

/** A request body as the description gives it, before mapping. */
export interface BodySource {
  /** The media types offered, in the description's order. */
  mediaTypes: string[];
  /** The schema of the chosen JSON (or, without JSON, URL-encoded form) media type. */
  schema?: unknown;
  jsonType?: string;
  /** Set when no JSON type is offered but `application/x-www-form-urlencoded` is. */
  formType?: string;
  required: boolean;
  description?: string;
}

const JSON_MEDIA = /^(application\/json|text\/json|application\/[^;]*\+json)(;.*)?$/i;
const ANY_MEDIA = /^\*\/\*(;.*)?$/;
const FORM_MEDIA = /^application\/x-www-form-urlencoded(;.*)?$/i;
const NOT_FLAT = ["oneOf", "anyOf", "not", "patternProperties", "prefixItems", "items"];

/** The operation's body: OpenAPI 3 `requestBody`, or Swagger 2.0 `body` / `formData` params. */
export function readBody(
  doc: JsonObject,
  version: SpecVersion,
  op: JsonObject,
  params: JsonObject[],
): BodySource | undefined {
  if (version !== "2.0") {
    if (op.requestBody === undefined) return undefined;
    const { node } = resolveNode(doc, op.requestBody);
    const content = isObject(node.content) ? node.content : {};
    const mediaTypes = Object.keys(content);
    const jsonType = mediaTypes.find((type) => JSON_MEDIA.test(type)) ??
      mediaTypes.find((type) => ANY_MEDIA.test(type));
    const formType = jsonType === undefined
      ? mediaTypes.find((type) => FORM_MEDIA.test(type))
      : undefined;
    const chosen = jsonType ?? formType;
    const media = chosen === undefined ? undefined : content[chosen];
    const schema = isObject(media) ? media.schema : {};
    return {
      mediaTypes,
      ...(jsonType === undefined ? {} : { jsonType, schema }),
      ...(formType === undefined ? {} : { formType, schema }),
      required: node.required === true,
      ...described(node.description),
    };
  }
  const body = params.find((param) => param.in === "body");
  const form = params.filter((param) => param.in === "formData");
  if (body === undefined && form.length === 0) return undefined;
  const consumes = arrayAt(op.consumes ?? doc.consumes).filter((t) => typeof t === "string");
  const offered = consumes.length > 0 ? consumes as string[] : ["application/json"];
  if (body === undefined) {
    const required = form.some((param) => param.required === true);
    const urlEncoded = offered.find((type) => FORM_MEDIA.test(type));
    // Why: a file parameter needs multipart/form-data, which YAML HTTP tools cannot send.
    if (urlEncoded === undefined || form.some((param) => param.type === "file")) {
      const formType = offered.find((type) => !JSON_MEDIA.test(type)) ?? "multipart/form-data";
      return { mediaTypes: [formType], required };
    }
    return { mediaTypes: [urlEncoded], formType: urlEncoded, schema: formSchema(form), required };
  }
  const jsonType = offered.find((type) => JSON_MEDIA.test(type) || ANY_MEDIA.test(type));
  return {
    mediaTypes: offered,
    ...(jsonType === undefined ? {} : { jsonType, schema: body.schema }),
    required: body.required === true,
    ...described(body.description),
  };
}

/** Swagger 2.0 `formData` parameters as one object schema (each parameter is its own schema). */
function formSchema(form: JsonObject[]): JsonObject {
  const properties: JsonObject = {};
  for (const param of form) {
    if (typeof param.name !== "string") continue;
    const { name: _name, in: _in, required: _required, ...schema } = param;
    properties[param.name] = schema;
  }
  const required = form.flatMap((param) =>
    param.required === true && typeof param.name === "string" ? [param.name] : []
  );
  return { type: "object", properties, ...(required.length > 0 ? { required } : {}) };
}

/** Adds the body's arguments and template; returns why the body cannot be sent, if it cannot. */
export function mapBody(
  parts: RequestParts,
  body: BodySource,
  ctx: { doc: JsonObject; version: SpecVersion },
): string | undefined {
  if (body.formType !== undefined) return mapFormBody(parts, body, ctx);
  if (body.jsonType === undefined) return `request body (${body.mediaTypes.join(" or ")})`;
  const schema = convertSchema(body.schema, { ...ctx, forRequest: true });
  if (!ANY_MEDIA.test(body.jsonType) && !/^application\/json(;.*)?$/i.test(body.jsonType)) {
    parts.headers["Content-Type"] = body.jsonType;
  }
  const flat = flatObject(schema);
  if (flat === undefined) {
    const arg = claimArg(parts, "body", "request", {
      schema: describe(schema, body.description),
      required: body.required,
    });
    parts.body = `{${arg}}`;
    return undefined;
  }
  const template: Record<string, JsonValue> = {};
  for (const [property, propertySchema] of Object.entries(flat.properties)) {
    const required = body.required && flat.required.includes(property);
    const spec = { schema: isObject(propertySchema) ? propertySchema : {}, required };
    template[property] = `{${claimArg(parts, property, "body", spec)}}`;
  }
  if (Object.keys(template).length > 0 || body.required) parts.body = template;
  return undefined;
}

/** A URL-encoded form body: one argument per property; a form with no flat shape cannot be sent. */
function mapFormBody(
  parts: RequestParts,
  body: BodySource,
  ctx: { doc: JsonObject; version: SpecVersion },
): string | undefined {
  const schema = convertSchema(body.schema, { ...ctx, forRequest: true });
  const flat = flatObject(schema);
  if (flat === undefined) return `request body (${body.formType} without named fields)`;
  const template: Record<string, JsonValue> = {};
  for (const [property, propertySchema] of Object.entries(flat.properties)) {
    const required = body.required && flat.required.includes(property);
    const spec = { schema: isObject(propertySchema) ? propertySchema : {}, required };
    template[property] = `{${claimArg(parts, property, "body", spec)}}`;
  }
  if (Object.keys(template).length === 0 && !body.required) return undefined;
  parts.body = template;
  parts.bodyEncoding = "form";
  return undefined;
}

/** An object schema's properties and required names, merged over `allOf`; undefined if not flat. */
function flatObject(
  schema: JsonObject,
): { properties: JsonObject; required: string[] } | undefined {
  if (NOT_FLAT.some((key) => schema[key] !== undefined)) return undefined;
  if (schema.additionalProperties !== undefined && schema.additionalProperties !== false) {
    return undefined;
  }
  const type = schema.type;
  if (type !== undefined && type !== "object") return undefined;
  if (type === undefined && schema.properties === undefined && schema.allOf === undefined) {
    return undefined;
  }
  const properties: JsonObject = { ...(isObject(schema.properties) ? schema.properties : {}) };
  const required = arrayAt(schema.required).filter((name) => typeof name === "string");
  for (const part of arrayAt(schema.allOf)) {
    const merged = isObject(part) ? flatObject(part) : undefined;
    if (merged === undefined) return undefined;
    Object.assign(properties, merged.properties);
    required.push(...merged.required);
  }
  return { properties, required: required as string[] };
}

function described(value: unknown): { description?: string } {
  const text = stringAt(value);
  return text === undefined ? {} : { description: cutText(text, FIELD_DESCRIPTION_MAX) };
}
