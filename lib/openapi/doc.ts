/**
 * Loose reading of an OpenAPI or Swagger document: plain JSON values checked at each step, so a
 * description with an unexpected shape is skipped or reported, never a crash.
 */

import type { JsonObject, JsonValue } from "../registry/mod.ts";

/** Whether a value is a JSON object (not an array, not null). */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The value as an object, or an empty one. */
export function objectAt(value: unknown): JsonObject {
  return isObject(value) ? value : {};
}

/** The value as an array, or an empty one. */
export function arrayAt(value: unknown): JsonValue[] {
  return Array.isArray(value) ? value : [];
}

/** The value when it is a non-empty string. */
export function stringAt(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value : undefined;
}

/** Which description format a document is written in. */
export type SpecVersion = "2.0" | "3.0" | "3.1";

/** The version of a bundled document, from its `swagger` or `openapi` field. */
export function specVersionOf(doc: JsonObject): SpecVersion | undefined {
  if (doc.swagger === "2.0") return "2.0";
  const openapi = stringAt(doc.openapi);
  if (openapi?.startsWith("3.0")) return "3.0";
  if (openapi?.startsWith("3.1")) return "3.1";
  return undefined;
}

/** HTTP methods of a path item, in the order the OpenAPI specification lists them. */
export const PATH_METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
