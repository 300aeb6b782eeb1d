/**
 * Reading newline-delimited JSON-RPC from a child's stdout, as the SDK's `ReadBuffer` does (same
 * size bound, `\r\n` accepted, a line that is not JSON skipped, a JSON line that is not JSON-RPC
 * reported), without its per-chunk copy of the whole buffer and, for a plain result response,
 * without its zod parse of the envelope.
 */

import {
  deserializeMessage,
  type JSONRPCMessage,
  STDIO_DEFAULT_MAX_BUFFER_SIZE,
} from "@modelcontextprotocol/client";

/** Receives the messages and framing errors of one stream. */
export interface LineReaderHooks {
  onMessage(message: JSONRPCMessage): void;
  onError(error: Error): void;
}

/** A reader of one stream: `push` each chunk in order; `clear` drops a partial line. */
export interface LineReader {
  push(chunk: Uint8Array): void;
  clear(): void;
}

const NEWLINE = 10;
const SERVER_INFO_KEY = "io.modelcontextprotocol/serverInfo";

/** A line reader calling `hooks` for each complete line. Raises nothing (errors go to `onError`). */
export function createLineReader(
  hooks: LineReaderHooks,
  options: { maxBufferSize?: number } = {},
): LineReader {
  const maxBufferSize = options.maxBufferSize ?? STDIO_DEFAULT_MAX_BUFFER_SIZE;
  const decoder = new TextDecoder();
  // Why parts: the tail of a line split across chunks; joined once, when its newline arrives.
  let parts: Uint8Array[] = [];
  let partsLength = 0;

  function push(chunk: Uint8Array): void {
    let start = 0;
    for (;;) {
      const end = chunk.indexOf(NEWLINE, start);
      if (end === -1) break;
      const piece = chunk.subarray(start, end);
      start = end + 1;
      if (parts.length === 0) {
        deliver(decoder.decode(piece));
        continue;
      }
      parts.push(piece);
      const line = join(parts, partsLength + piece.length);
      parts = [];
      partsLength = 0;
      deliver(decoder.decode(line));
    }
    if (start >= chunk.length) return;
    const rest = chunk.length - start;
    if (partsLength + rest > maxBufferSize) {
      clear();
      hooks.onError(new Error(`ReadBuffer exceeded maximum size of ${maxBufferSize} bytes`));
      return;
    }
    // Why a copy: the tail outlives this chunk, which the stream may reuse.
    parts.push(chunk.slice(start));
    partsLength += rest;
  }

  function deliver(raw: string): void {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      // Why skipped: the SDK's ReadBuffer skips a line that is not JSON (stray output) too.
      return;
    }
    let message: JSONRPCMessage;
    try {
      message = isPlainResultResponse(value) ? value : deserializeMessage(line);
    } catch (error) {
      hooks.onError(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    hooks.onMessage(message);
  }

  function clear(): void {
    parts = [];
    partsLength = 0;
  }

  return { push, clear };
}

/**
 * Whether `value` is a result response the SDK's envelope schema would pass unchanged: exactly
 * `jsonrpc`, `id` (string or integer) and an object `result` whose `_meta` (if any) is an object
 * whose server-info key (the one key that schema rewrites) is absent or plainly valid. Anything
 * else takes the SDK's own parse, with its own errors.
 */
export function isPlainResultResponse(value: unknown): value is JSONRPCMessage {
  if (!isRecord(value) || value.jsonrpc !== "2.0") return false;
  let keys = 0;
  for (const _key in value) keys++;
  if (keys !== 3) return false;
  const id = value.id;
  if (typeof id !== "string" && !(typeof id === "number" && Number.isInteger(id))) return false;
  const result = value.result;
  if (!isRecord(result)) return false;
  const meta = result._meta;
  if (meta === undefined) return true;
  if (!isRecord(meta)) return false;
  return !(SERVER_INFO_KEY in meta) || isPlainImplementation(meta[SERVER_INFO_KEY]);
}

/** Keys of the SDK's `ImplementationSchema` that are plain optional strings (name and version required). */
const PLAIN_IMPLEMENTATION_KEYS = new Set([
  "name",
  "version",
  "title",
  "description",
  "websiteUrl",
]);

/**
 * Whether a 2026-07-28 result's server info is one the SDK's schema keeps as it is: only string
 * members of `Implementation`, `name` and `version` among them. Anything else (icons, unknown
 * keys, wrong types) takes the SDK's parse, which drops or rewrites it.
 */
function isPlainImplementation(value: unknown): boolean {
  if (!isRecord(value)) return false;
  if (typeof value.name !== "string" || typeof value.version !== "string") return false;
  for (const key in value) {
    if (!PLAIN_IMPLEMENTATION_KEYS.has(key) || typeof value[key] !== "string") return false;
  }
  return true;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function join(parts: Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
