/**
 * Turns whatever a TypeScript tool handler returned into a `ToolResult`: a result passes through,
 * a string becomes text, any other JSON value becomes text plus structured content.
 */

import { GatewayError } from "../../errors.ts";
import type { JsonObject, JsonValue, ToolResult } from "../../registry/types.ts";

/**
 * Normalises a handler's return value. Structured content must be an object in MCP, so a JSON
 * value that is not a plain object is wrapped as `{ "result": value }`.
 * @throws GatewayError UPSTREAM_ERROR when the value cannot be represented as JSON.
 */
export function normaliseResult(value: unknown): ToolResult {
  if (isToolResult(value)) return value;
  if (typeof value === "string") return textResult(value);
  if (value === undefined) return textResult("");
  const text = toJsonText(value);
  // Why a shallow copy for a flat record of JSON primitives: it is what the round trip below
  // gives, without parsing the text again (the common shape: counts, ids, flags).
  if (isFlatJsonRecord(value)) {
    return { content: [{ type: "text", text }], structuredContent: copyRecord(value) };
  }
  // Why: a round trip through JSON text drops functions and undefined and turns Dates into
  // strings, so structured content is exactly what the text shows.
  const json = JSON.parse(text) as JsonValue;
  const structuredContent: JsonObject = isPlainObject(value) && isObjectJson(json)
    ? json
    : { result: json };
  return { content: [{ type: "text", text }], structuredContent };
}

/**
 * A plain object whose own values are all strings, booleans, null or finite numbers other than
 * -0: JSON text and back gives the same record (JSON writes -0 as 0, and no other number or
 * string changes on the way).
 */
function isFlatJsonRecord(value: unknown): value is JsonObject {
  if (!isPlainObject(value)) return false;
  for (const key of Object.keys(value as object)) {
    // Why: assigning `__proto__` would set the copy's prototype, not a member.
    if (key === "__proto__") return false;
    const item = (value as Record<string, unknown>)[key];
    if (item === null || typeof item === "string" || typeof item === "boolean") continue;
    if (typeof item !== "number" || !Number.isFinite(item) || Object.is(item, -0)) return false;
  }
  return true;
}

/** The own enumerable string-keyed members, as JSON text carries them (no symbol keys). */
function copyRecord(record: JsonObject): JsonObject {
  const copy: JsonObject = {};
  for (const key of Object.keys(record)) copy[key] = record[key]!;
  return copy;
}

function isToolResult(value: unknown): value is ToolResult {
  return typeof value === "object" && value !== null && "content" in value &&
    Array.isArray(value.content);
}

function toJsonText(value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value, null, 0);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw notJson(reason);
  }
  if (text === undefined) throw notJson(`cannot serialise a ${typeof value}`);
  return text;
}

function notJson(reason: string): GatewayError {
  return new GatewayError(
    "UPSTREAM_ERROR",
    `Tool handler returned a value that is not JSON: ${reason}`,
  );
}

function isPlainObject(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function isObjectJson(value: JsonValue): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function textResult(text: string): ToolResult {
  return { content: [{ type: "text", text }] };
}
