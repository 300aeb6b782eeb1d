/**
 * Operation parameters (path, query, header, cookie) to tool arguments and request templates.
 * Serialisation follows the description: exploded arrays repeat the query parameter, other arrays
 * become one delimited string, exploded and `deepObject` objects spread into one argument per
 * property.
 */

import type { JsonObject } from "../registry/mod.ts";
import { type ArgSpec, claimArg, describe, type RequestParts } from "./args.ts";
import { arrayAt, isObject, type SpecVersion, stringAt } from "./doc.ts";
import { resolveNode } from "./refs.ts";
import { convertSchema } from "./schema.ts";
import { cutText, FIELD_DESCRIPTION_MAX } from "./text.ts";

/** One parameter after `$ref` resolution. */
export interface Parameter {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required: boolean;
  description?: string;
  schema: JsonObject;
  raw: JsonObject;
}

const LOCATIONS = ["path", "query", "header", "cookie"] as const;
// Why: OpenAPI says parameters named Accept, Content-Type or Authorization SHALL be ignored.
const IGNORED_HEADERS = ["accept", "content-type", "authorization"];
const GATEWAY_HEADERS = ["host", "content-length", "transfer-encoding", "connection", "cookie"];
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const SEPARATORS: Record<string, string> = {
  form: ",",
  simple: ",",
  spaceDelimited: " ",
  pipeDelimited: "|",
  csv: ",",
  ssv: " ",
  tsv: "\t",
  pipes: "|",
};

/** The operation's parameters (path-item ones overridden by the operation's), by location. */
export function readParameters(
  doc: JsonObject,
  version: SpecVersion,
  lists: unknown[],
): Parameter[] {
  const byKey = new Map<string, Parameter>();
  for (const list of lists) {
    for (const item of arrayAt(list)) {
      const { node } = resolveNode(doc, item);
      const name = stringAt(node.name);
      const location = LOCATIONS.find((where) => where === node.in);
      if (name === undefined || location === undefined) continue;
      const description = stringAt(node.description);
      byKey.set(`${location}:${name}`, {
        name,
        in: location,
        required: location === "path" || node.required === true,
        ...(description === undefined ? {} : {
          description: cutText(description, FIELD_DESCRIPTION_MAX),
        }),
        schema: parameterSchema(doc, version, node),
        raw: node,
      });
    }
  }
  return LOCATIONS.flatMap((where) => [...byKey.values()].filter((p) => p.in === where));
}

/** Adds each parameter to the request: an argument and its place in a template. */
export function mapParameters(parts: RequestParts, parameters: Parameter[], version: SpecVersion) {
  mapPath(parts, parameters.filter((p) => p.in === "path"));
  for (const parameter of parameters) {
    if (parameter.in === "query") mapQuery(parts, parameter, version);
    else if (parameter.in === "header") mapHeader(parts, parameter);
  }
  mapCookies(parts, parameters.filter((p) => p.in === "cookie"));
}

function parameterSchema(doc: JsonObject, version: SpecVersion, node: JsonObject): JsonObject {
  const ctx = { doc, version, forRequest: true };
  if (node.schema !== undefined) return convertSchema(node.schema, ctx);
  if (isObject(node.content)) {
    const first = Object.values(node.content).find(isObject);
    return first === undefined ? {} : convertSchema(first.schema, ctx);
  }
  // Swagger 2.0: the parameter object carries the schema keywords itself.
  const { name: _n, in: _i, description: _d, required: _r, ...keywords } = node;
  return convertSchema(keywords, ctx);
}

/**
 * Fills the path template: each `{name}` becomes its parameter's argument; a placeholder no
 * parameter declares becomes a required string argument; stray braces are escaped.
 */
function mapPath(parts: RequestParts, parameters: Parameter[]): void {
  const pieces = parts.path.split(/(\{[^{}]*\})/);
  const names = new Set(pieces.filter((_, i) => i % 2 === 1).map((piece) => piece.slice(1, -1)));
  const args = new Map<string, string>();
  for (const parameter of parameters) {
    if (!names.has(parameter.name)) {
      parts.notes.push(`path parameter "${parameter.name}" is not in the path: left out`);
      continue;
    }
    args.set(parameter.name, claimArg(parts, parameter.name, "path", argSpec(parameter, ",")));
  }
  parts.path = pieces.map((piece, i) => {
    if (i % 2 === 0) return piece.replaceAll("{", "{{").replaceAll("}", "}}");
    const name = piece.slice(1, -1);
    let arg = args.get(name);
    if (arg === undefined) {
      parts.notes.push(`path placeholder "${piece}" has no parameter: added as a string argument`);
      arg = claimArg(parts, name, "path", { schema: { type: "string" }, required: true });
      args.set(name, arg);
    }
    return `{${arg}}`;
  }).join("");
}

function mapQuery(parts: RequestParts, parameter: Parameter, version: SpecVersion): void {
  const { schema } = parameter;
  const style = stringAt(parameter.raw.style) ?? "form";
  const explode = version === "2.0"
    ? parameter.raw.collectionFormat === "multi"
    : parameter.raw.explode !== undefined
    ? parameter.raw.explode === true
    : style === "form";
  if (
    schema.type === "object" && isObject(schema.properties) && (explode || style === "deepObject")
  ) {
    for (const [property, propertySchema] of Object.entries(schema.properties)) {
      const key = style === "deepObject" ? `${parameter.name}[${property}]` : property;
      const required = parameter.required && arrayAt(schema.required).includes(property);
      const spec = { schema: isObject(propertySchema) ? propertySchema : {}, required };
      const arg = claimArg(parts, `${parameter.name}_${property}`, "query", spec);
      parts.query[key] = `{${arg}}`;
    }
    return;
  }
  const separator = explode ? undefined : separatorOf(parameter, version, style);
  const arg = claimArg(parts, parameter.name, "query", argSpec(parameter, separator));
  parts.query[parameter.name] = `{${arg}}`;
}

function mapHeader(parts: RequestParts, parameter: Parameter): void {
  const lower = parameter.name.toLowerCase();
  if (IGNORED_HEADERS.includes(lower)) return;
  if (!HEADER_NAME.test(parameter.name) || GATEWAY_HEADERS.includes(lower)) {
    parts.notes.push(`header parameter "${parameter.name}" cannot be templated: left out`);
    return;
  }
  const arg = claimArg(parts, parameter.name, "header", argSpec(parameter, ","));
  parts.headers[parameter.name] = `{${arg}}`;
}

/**
 * Cookies share one `Cookie` header. Why required ones only: a header template that is more than
 * one placeholder is sent whole, so an optional cookie could not be left out when absent.
 */
function mapCookies(parts: RequestParts, cookies: Parameter[]): void {
  const pairs: string[] = [];
  for (const cookie of cookies) {
    if (!cookie.required) {
      parts.notes.push(`optional cookie parameter "${cookie.name}" left out`);
      continue;
    }
    const arg = claimArg(parts, cookie.name, "cookie", argSpec(cookie, ","));
    pairs.push(`${cookie.name}={${arg}}`);
  }
  if (pairs.length > 0) parts.headers.Cookie = pairs.join("; ");
}

/** The argument for a parameter; an array sent as one delimited string becomes a string. */
function argSpec(parameter: Parameter, separator?: string): ArgSpec {
  const { schema } = parameter;
  if (separator === undefined || schema.type !== "array") {
    return { schema: describe(schema, parameter.description), required: parameter.required };
  }
  const items = isObject(schema.items) ? schema.items : {};
  const values = Array.isArray(items.enum) ? ` Values: ${items.enum.join(", ")}.` : "";
  const shown = separator === "\t" ? "a tab" : `"${separator}"`;
  const lead = parameter.description ?? "";
  const stop = lead === "" || /[.!?]$/.test(lead) ? "" : ".";
  const text = `${lead}${stop} Several values separated by ${shown}.${values}`;
  return {
    schema: { type: "string", description: cutText(text, FIELD_DESCRIPTION_MAX) },
    required: parameter.required,
  };
}

function separatorOf(parameter: Parameter, version: SpecVersion, style: string): string {
  if (version === "2.0") {
    return SEPARATORS[stringAt(parameter.raw.collectionFormat) ?? "csv"] ?? ",";
  }
  return SEPARATORS[style] ?? ",";
}
