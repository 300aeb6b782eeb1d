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
  // Why: a round trip through JSON text drops functions and undefined and turns Dates into
  // strings, so structured content is exactly what the text shows.
  const json = JSON.parse(text) as JsonValue;
  const structuredContent: JsonObject = isPlainObject(value) && isObjectJson(json)
    ? json
    : { result: json };
  return { content: [{ type: "text", text }], structuredContent };
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
