/**
 * Turns a 2xx upstream response into a tool result: JSON is parsed and narrowed by
 * `response.select`, anything else is returned as text, and both are capped at `maxBytes`.
 * Secrets are scrubbed from the whole body first (every JSON string, key, number and boolean),
 * and again at each cut, so no part of a secret a cut went through reaches the result.
 */

import type { Redactor } from "../../credentials/mod.ts";
import type {
  HttpMethod,
  HttpResponseSpec,
  JsonObject,
  JsonValue,
  ToolResult,
} from "../../registry/types.ts";
import { discardBody, readResponseCapped, utf8Boundary } from "./read_body.ts";
import { checkErrorWhen } from "./error_when.ts";
import { applyHtmlToText } from "./html_text.ts";
import { isJsonObject, selectPaths } from "./select.ts";
import { NO_REDACTION, scrubbingReviver } from "../redact.ts";
import { statusLine } from "./upstream_error.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Builds the tool result for a successful response, reading at most `maxBytes + 1` body bytes.
 * JSON that is not an object is returned as structured content `{ "result": value }`, because
 * MCP requires `structuredContent` to be an object.
 * @throws GatewayError UPSTREAM_ERROR when the JSON body matches `response.errorWhen`.
 * @throws the stream's error when reading the body fails (for example on timeout).
 */
export async function successResult(
  response: Response,
  options: { method: HttpMethod; spec: HttpResponseSpec; redact?: Redactor },
): Promise<ToolResult> {
  const { method, spec } = options;
  const redact = options.redact ?? NO_REDACTION;
  if (method === "HEAD" || response.status === 204 || response.status === 205) {
    await discardBody(response);
    return textResult(`HTTP ${statusLine(response.status, response.statusText)}`);
  }
  const body = await readResponseCapped(response, spec.maxBytes);
  if (!body.complete) {
    const total = knownLength(response.headers, spec.maxBytes);
    return truncatedResult(body.bytes, { maxBytes: spec.maxBytes, total, redact });
  }
  if (body.bytes.length === 0) {
    return textResult(`HTTP ${statusLine(response.status, response.statusText)} (empty body)`);
  }
  const text = decoder.decode(body.bytes);
  const json = isJsonType(response.headers.get("content-type"));
  const parsed = json ? parseJson(text, redact) : undefined;
  if (parsed !== undefined) {
    checkErrorWhen(parsed.value, spec.errorWhen, response);
    return jsonResult(parsed.value, spec, redact);
  }
  const scrubbed = redact(text);
  const bytes = encoder.encode(scrubbed);
  // Why: "[redacted]" can be longer than what it replaced, so the scrubbed text is capped again.
  if (bytes.length <= spec.maxBytes) return textResult(scrubbed);
  return truncatedResult(bytes, { maxBytes: spec.maxBytes, total: `${bytes.length}`, redact });
}

/** The result for a JSON value: narrowed by `select`, cut as text when past `maxBytes`. */
export function jsonResult(
  value: JsonValue,
  spec: HttpResponseSpec,
  redact: Redactor,
): ToolResult {
  const picked = spec.select === undefined ? value : selectPaths(value, spec.select);
  const selected = spec.htmlToText === undefined
    ? picked
    : applyHtmlToText(picked, spec.htmlToText);
  const text = JSON.stringify(selected);
  // Why encoded only when it may be too long: a UTF-16 unit is at most 3 UTF-8 bytes, so a text
  // of up to a third of the cap in units fits, and encoding it just to count was per-call work.
  if (text.length * 3 > spec.maxBytes) {
    const bytes = encoder.encode(text);
    if (bytes.length > spec.maxBytes) {
      // Why: a cut JSON text no longer matches any schema, so structured content is left out.
      return truncatedResult(bytes, { maxBytes: spec.maxBytes, total: `${bytes.length}`, redact });
    }
  }
  const structuredContent: JsonObject = isJsonObject(selected) ? selected : { result: selected };
  return { content: [{ type: "text", text }], structuredContent };
}

/**
 * The text result for `bytes` cut at `maxBytes`. The held bytes are scrubbed whole before the cut
 * (they may themselves end where a read cap went through a secret), and the cut text again.
 */
function truncatedResult(
  bytes: Uint8Array,
  options: { maxBytes: number; total: string; redact: Redactor },
): ToolResult {
  const { maxBytes, total, redact } = options;
  // Why stream: a read cap may have split the last UTF-8 sequence; a streaming decode drops it.
  const held = redact.cut(new TextDecoder().decode(bytes, { stream: true }));
  const scrubbed = encoder.encode(held);
  const cut = utf8Boundary(scrubbed, maxBytes);
  const shown = redact.cut(decoder.decode(scrubbed.subarray(0, cut)));
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

/** Whether a `Content-Type` names JSON (`application/json` or any `+json`). */
export function isJsonType(contentType: string | null): boolean {
  const mediaType = (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  return mediaType === "application/json" || mediaType.endsWith("+json");
}

/** `text` parsed as JSON with every secret scrubbed, or undefined when it is not JSON. */
export function parseJson(text: string, redact: Redactor): { value: JsonValue } | undefined {
  try {
    // Why the plain parse without a credential: a reviver call per value costs as much again.
    const value = redact === NO_REDACTION
      ? JSON.parse(text)
      : JSON.parse(text, scrubbingReviver(redact));
    return { value: value as JsonValue };
  } catch {
    return undefined;
  }
}

function textResult(text: string): ToolResult {
  return { content: [{ type: "text", text }] };
}
