/**
 * The direct path's answer bytes: a plain `tools/call` result as the SDK encodes it, in either
 * era, memoised for frozen (cached) results.
 */

import type { ToolResult } from "../registry/types.ts";
import { type Era, isPlain, SERVER_INFO_META } from "./direct_wire.ts";

/**
 * The JSON-RPC answer to `call` as the SDK writes it, when `result` holds only text content,
 * `structuredContent` and `isError`: the SDK's result schema puts those keys in this order, and
 * the 2026-07-28 codec adds `resultType` and the server's identity. Undefined for anything else.
 */
export function encodePlain(
  result: ToolResult,
  call: { era: Era; id: string | number },
): string | undefined {
  const memo = ENCODED[call.era];
  let text = memo.get(result);
  if (text === undefined) {
    text = encodeResult(result, call.era);
    if (text === undefined) return undefined;
    // Why frozen results only: a frozen result (a cache hit's, `decodeOutcome`) cannot change, so
    // neither can its text; the same entry's next hit is then not encoded again.
    if (Object.isFrozen(result)) memo.set(result, text);
  }
  // Why by hand: the same bytes as JSON.stringify({ result, jsonrpc: "2.0", id }).
  return `{"result":${text},"jsonrpc":"2.0","id":${JSON.stringify(call.id)}}`;
}

/** The encoded result text of frozen results, per era. */
const ENCODED: Record<Era, WeakMap<ToolResult, string>> = {
  modern: new WeakMap(),
  legacy: new WeakMap(),
};

function encodeResult(result: ToolResult, era: Era): string | undefined {
  const { content, structuredContent, isError } = result;
  for (const key in result) {
    if (key !== "content" && key !== "structuredContent" && key !== "isError") return undefined;
  }
  if (!Array.isArray(content) || !content.every(isPlainText)) return undefined;
  if (structuredContent !== undefined && !isPlain(structuredContent)) return undefined;
  if (isError !== undefined && typeof isError !== "boolean") return undefined;
  const encoded: Record<string, unknown> = {
    content: content.map((item) => ({ type: "text", text: item.text })),
  };
  if (structuredContent !== undefined) encoded.structuredContent = structuredContent;
  if (isError !== undefined) encoded.isError = isError;
  if (era === "modern") {
    encoded.resultType = "complete";
    encoded._meta = SERVER_INFO_META;
  }
  return JSON.stringify(encoded);
}

function isPlainText(item: unknown): item is { type: "text"; text: string } {
  if (!isPlain(item) || item.type !== "text" || typeof item.text !== "string") return false;
  for (const key in item) if (key !== "type" && key !== "text") return false;
  return true;
}
