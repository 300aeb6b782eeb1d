/**
 * Scrubbing a call's outcome of its credential's secrets: every text block, every key, string,
 * number and boolean inside structured content, and the message and string data of an error,
 * before any of it reaches the client, the cache, the model or a log. The HTTP backend also
 * scrubs the whole upstream body before it cuts anything (see `http/response.ts`); this pass runs
 * on every outcome as well.
 */

import type { Redactor } from "../credentials/mod.ts";
import { GatewayError, isGatewayError } from "../errors.ts";
import type { ContentBlock, JsonValue, ToolResult } from "../registry/types.ts";
import { REDACTED_TEXT } from "../secret.ts";
import type { CallOutcome } from "./options.ts";

/** A redactor that changes nothing, for calls without a credential. */
export const NO_REDACTION: Redactor = Object.assign((text: string) => text, {
  cut: (text: string) => text,
  matches: () => false,
});

/** Awaits a call and redacts its result, or its error, with `redact`; `upstream` passes as is. */
export async function redactOutcome(
  outcome: Promise<CallOutcome>,
  redact: Redactor,
): Promise<CallOutcome> {
  try {
    const { result, upstream } = await outcome;
    const redacted = redactResult(result, redact);
    return upstream === undefined ? { result: redacted } : { result: redacted, upstream };
  } catch (error) {
    throw redactError(error, redact);
  }
}

/** A copy of `result` with every string, key, number and boolean that holds a secret redacted. */
export function redactResult(result: ToolResult, redact: Redactor): ToolResult {
  // Why: a relayed `input_required` result has no content; its requests are scrubbed whole.
  if (!Array.isArray(result.content)) return redactJson(result, redact) as unknown as ToolResult;
  const content = result.content.map((block) => redactBlock(block, redact));
  const out: ToolResult = { ...result, content };
  if (result.structuredContent !== undefined) {
    out.structuredContent = redactJson(
      result.structuredContent,
      redact,
    ) as typeof result.structuredContent;
  }
  return out;
}

function redactBlock(block: ContentBlock, redact: Redactor): ContentBlock {
  switch (block.type) {
    case "text":
      return { ...block, text: redact(block.text) };
    case "resource_link":
      return { ...block, uri: redact(block.uri), name: redact(block.name) };
    case "image":
      return block;
  }
}

/**
 * `value` with secrets scrubbed from every string and key; a number or boolean whose text holds a
 * secret (a numeric token echoed as a JSON number) becomes the string `[redacted]`.
 */
export function redactJson(value: JsonValue, redact: Redactor): JsonValue {
  if (typeof value === "string") return redact(value);
  if (typeof value === "number" || typeof value === "boolean") {
    return redact.matches(String(value)) ? REDACTED_TEXT : value;
  }
  if (Array.isArray(value)) return value.map((item) => redactJson(item, redact));
  if (value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [redact(key), redactJson(item, redact)]),
  );
}

/**
 * A `JSON.parse` reviver that scrubs while parsing, so nothing is lost to a later cut or to
 * number precision: strings and keys are redacted, and a number or boolean whose source text
 * holds a secret becomes the string `[redacted]` (its source text, not its parsed value, is
 * checked: a 20-digit numeric secret does not survive `Number` intact).
 */
export function scrubbingReviver(
  redact: Redactor,
): (key: string, value: unknown, context?: { source?: string }) => unknown {
  return function scrub(_key, value, context) {
    if (typeof value === "string") return redact(value);
    if (typeof value === "number" || typeof value === "boolean") {
      return redact.matches(context?.source ?? String(value)) ? REDACTED_TEXT : value;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
    const keys = Object.keys(value);
    if (!keys.some((key) => redact.matches(key))) return value;
    const record = value as Record<string, unknown>;
    return Object.fromEntries(keys.map((key) => [redact(key), record[key]]));
  };
}

/**
 * The error with its message and string data redacted. A `GatewayError` keeps its code and its
 * `upstream` (internal, never sent); its cause is dropped (it may quote the request). Anything else passes through: it becomes `INTERNAL` with
 * no text for the client, and the log redacts `Secret`s itself.
 */
export function redactError(error: unknown, redact: Redactor): unknown {
  if (!isGatewayError(error)) return error;
  const data = error.data === undefined ? undefined : Object.fromEntries(
    Object.entries(error.data).map((
      [key, value],
    ) => [key, typeof value === "string" ? redact(value) : value]),
  );
  return new GatewayError(error.code, redact(error.message), {
    ...(data === undefined ? {} : { data }),
    ...(error.upstream === undefined ? {} : { upstream: error.upstream }),
  });
}
