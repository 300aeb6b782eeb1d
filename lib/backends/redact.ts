/**
 * Scrubbing a call's outcome of its credential's secrets: every text block, every string inside
 * structured content, and the message and string data of an error, before any of it reaches the
 * client, the model or a log.
 */

import { GatewayError, isGatewayError } from "../errors.ts";
import type { ContentBlock, JsonValue, ToolResult } from "../registry/types.ts";

/** Awaits a call and redacts its result, or its error, with `redact`. */
export async function redactOutcome(
  outcome: Promise<ToolResult>,
  redact: (text: string) => string,
): Promise<ToolResult> {
  try {
    return redactResult(await outcome, redact);
  } catch (error) {
    throw redactError(error, redact);
  }
}

/** A copy of `result` with every string redacted. */
export function redactResult(result: ToolResult, redact: (text: string) => string): ToolResult {
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

function redactBlock(block: ContentBlock, redact: (text: string) => string): ContentBlock {
  return block.type === "text" ? { ...block, text: redact(block.text) } : block;
}

function redactJson(value: JsonValue, redact: (text: string) => string): JsonValue {
  if (typeof value === "string") return redact(value);
  if (Array.isArray(value)) return value.map((item) => redactJson(item, redact));
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [redact(key), redactJson(item, redact)]),
  );
}

/**
 * The error with its message and string data redacted. A `GatewayError` keeps its code; its cause
 * is dropped (it may quote the request). Anything else passes through: it becomes `INTERNAL` with
 * no text for the client, and the log redacts `Secret`s itself.
 */
export function redactError(error: unknown, redact: (text: string) => string): unknown {
  if (!isGatewayError(error)) return error;
  const data = error.data === undefined ? undefined : Object.fromEntries(
    Object.entries(error.data).map((
      [key, value],
    ) => [key, typeof value === "string" ? redact(value) : value]),
  );
  return new GatewayError(error.code, redact(error.message), data === undefined ? {} : { data });
}
