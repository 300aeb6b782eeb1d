/**
 * The request a tool makes, as it is assembled from an operation: its arguments (the tool's input
 * properties) and the templates that place them in the path, query, headers and body.
 */

import type { JsonObject, JsonValue } from "../registry/mod.ts";
import { argName, uniqueName } from "./names.ts";

/** One tool argument. */
export interface ArgSpec {
  schema: JsonObject;
  required: boolean;
}

/** What an operation's parameters and body become. */
export interface RequestParts {
  /** Arguments in the order they were claimed (path, query, header, cookie, body). */
  args: Map<string, ArgSpec>;
  /** The path with `{arg}` placeholders. */
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body?: JsonValue;
  /** `form` when the body is sent as `application/x-www-form-urlencoded`. */
  bodyEncoding?: "form";
  /** What was left out or changed, for the import report. */
  notes: string[];
}

/** An empty request for `path` (placeholders filled in by the parameter mapper). */
export function emptyParts(path: string): RequestParts {
  return { args: new Map(), path, query: {}, headers: {}, notes: [] };
}

/**
 * Claims an argument name for `wanted`: the name itself when free, else with the location
 * (`id_query`), else numbered. Deterministic: the same operation always gives the same names.
 */
export function claimArg(parts: RequestParts, wanted: string, location: string, spec: ArgSpec) {
  const base = argName(wanted);
  const taken = new Set(parts.args.keys());
  const name = taken.has(base) ? uniqueName(`${base}_${location}`, taken) : base;
  parts.args.set(name, spec);
  return name;
}

/** `schema` described by `description` (a parameter's own words win over its schema's). */
export function describe(schema: JsonObject, description: string | undefined): JsonObject {
  return description === undefined ? schema : { ...schema, description };
}

/** The tool's input schema: every argument, the required ones, nothing else. */
export function inputSchema(parts: RequestParts): JsonObject {
  const properties: JsonObject = {};
  const required: string[] = [];
  for (const [name, arg] of parts.args) {
    properties[name] = arg.schema;
    if (arg.required) required.push(name);
  }
  return {
    type: "object",
    properties,
    ...(required.length > 0 ? { required } : {}),
    additionalProperties: false,
  };
}
