/**
 * Turns a 2xx upstream response into a tool result: JSON is parsed and narrowed by
 * `response.select`, anything else is returned as text, and both are capped at `maxBytes`.
 */

import type {
  HttpMethod,
  HttpResponseSpec,
  JsonObject,
  JsonValue,
  ToolResult,
} from "../../registry/types.ts";
import { discardBody, readCapped, utf8Boundary } from "./read_body.ts";
import { isJsonObject, selectPaths } from "./select.ts";
import { statusLine } from "./upstream_error.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Builds the tool result for a successful response, reading at most `maxBytes + 1` body bytes.
 * JSON that is not an object is returned as structured content `{ "result": value }`, because
 * MCP requires `structuredContent` to be an object.
 * @throws the stream's error when reading the body fails (for example on timeout).
 */
export async function successResult(
  response: Response,
  options: { method: HttpMethod; spec: HttpResponseSpec },
): Promise<ToolResult> {
  const { method, spec } = options;
  if (method === "HEAD" || response.status === 204 || response.status === 205) {
    await discardBody(response);
    return textResult(`HTTP ${statusLine(response.status, response.statusText)}`);
  }
  const body = await readCapped(response.body, spec.maxBytes);
  if (!body.complete) {
    const total = knownLength(response.headers, spec.maxBytes);
    return truncatedResult(body.bytes, spec.maxBytes, total);
  }
  if (body.bytes.length === 0) {
    return textResult(`HTTP ${statusLine(response.status, response.statusText)} (empty body)`);
  }
  const text = decoder.decode(body.bytes);
  const parsed = isJsonType(response.headers.get("content-type")) ? parseJson(text) : undefined;
  return parsed === undefined ? textResult(text) : jsonResult(parsed.value, spec);
}

function jsonResult(value: JsonValue, spec: HttpResponseSpec): ToolResult {
  const selected = spec.select === undefined ? value : selectPaths(value, spec.select);
  const text = JSON.stringify(selected);
  const bytes = encoder.encode(text);
  if (bytes.length > spec.maxBytes) {
    // Why: a cut JSON text no longer matches any schema, so structured content is left out.
    return truncatedResult(bytes, spec.maxBytes, `${bytes.length}`);
  }
  const structuredContent: JsonObject = isJsonObject(selected) ? selected : { result: selected };
  return { content: [{ type: "text", text }], structuredContent };
}

function truncatedResult(bytes: Uint8Array, maxBytes: number, total: string): ToolResult {
  const cut = utf8Boundary(bytes, maxBytes);
  const shown = decoder.decode(bytes.subarray(0, cut));
  return textResult(`${shown}\n[truncated: showed ${cut} of ${total} bytes]`);
}

// Why: with Content-Encoding the header counts compressed bytes, not the text we cut, so it is
// only trusted for identity-encoded bodies; otherwise we only know the body was longer than the cap.
function knownLength(headers: Headers, maxBytes: number): string {
  const length = Number(headers.get("content-length") ?? NaN);
  const encoded = (headers.get("content-encoding") ?? "identity") !== "identity";
  return !encoded && Number.isSafeInteger(length) && length > maxBytes
    ? `${length}`
    : `more than ${maxBytes}`;
}

function isJsonType(contentType: string | null): boolean {
  const mediaType = (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  return mediaType === "application/json" || mediaType.endsWith("+json");
}

function parseJson(text: string): { value: JsonValue } | undefined {
  try {
    return { value: JSON.parse(text) as JsonValue };
  } catch {
    return undefined;
  }
}

function textResult(text: string): ToolResult {
  return { content: [{ type: "text", text }] };
}
