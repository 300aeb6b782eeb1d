/**
 * Reading request bodies, the one way every route reads them: a size cap and a deadline enforced
 * while streaming, strict UTF-8, then JSON. `/mcp` reads one JSON-RPC message per POST (parse
 * errors are JSON-RPC -32700); `/admin` and `/demo` read one JSON object.
 */

import { GatewayError } from "../errors.ts";
import { setSharedTimeout } from "../shared_timeout.ts";

/** The body cap of the admin API and the demo API: their bodies are small JSON objects. */
export const API_MAX_BODY_BYTES = 64 * 1024;

/** The deadline of an admin or demo API body, ms: 64 KiB arrives well within it on any link. */
export const API_BODY_DEADLINE_MS = 10_000;

// Why one decoder: a whole-body `decode` (no `stream`) starts and ends in a fresh state, after an
// error too, so the same decoder serves every body; a new one per request cost an allocation and
// its setup (options dictionary, webidl checks), visible in every call's profile.
const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true });

/** How a body is read: `deadlineMs` bounds the whole read (absent: no bound). */
export interface BodyReadOptions {
  /** Milliseconds the whole body may take to arrive; past it the read fails `REQUEST_TIMEOUT`. */
  deadlineMs?: number;
}

/**
 * Reads and parses the request body as one JSON-RPC message.
 * @throws GatewayError PAYLOAD_TOO_LARGE, REQUEST_TIMEOUT, PARSE_ERROR (not UTF-8, not JSON),
 *   INVALID_REQUEST (batch or not an object).
 */
export async function readJsonRpcBody(
  request: Request,
  maxBytes: number,
  options: BodyReadOptions = {},
): Promise<unknown> {
  const value = parseJson(await readCapped(request, maxBytes, options));
  if (Array.isArray(value)) {
    throw new GatewayError(
      "INVALID_REQUEST",
      "Invalid request: JSON-RPC batches are not supported; send one message per POST",
    );
  }
  if (value === null || typeof value !== "object") {
    throw new GatewayError("INVALID_REQUEST", "Invalid request: body must be a JSON-RPC object");
  }
  return value;
}

/**
 * Reads and parses the request body as one JSON object (admin and demo APIs).
 * @throws GatewayError PAYLOAD_TOO_LARGE, REQUEST_TIMEOUT, PARSE_ERROR (not UTF-8, not JSON),
 *   INVALID_INPUT (JSON but not an object).
 */
export async function readJsonObject(
  request: Request,
  maxBytes: number,
  options: BodyReadOptions = {},
): Promise<Record<string, unknown>> {
  const value = parseJson(await readCapped(request, maxBytes, options));
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new GatewayError("INVALID_INPUT", "Invalid request: body must be a JSON object");
  }
  return value as Record<string, unknown>;
}

/**
 * Reads the whole body as UTF-8 text, refusing it as soon as it passes `maxBytes` (a declared
 * `Content-Length` over the cap is refused unread) or outlives `options.deadlineMs`.
 * @throws GatewayError PAYLOAD_TOO_LARGE, REQUEST_TIMEOUT, PARSE_ERROR for bytes that are not
 *   valid UTF-8.
 */
export async function readCapped(
  request: Request,
  maxBytes: number,
  options: BodyReadOptions = {},
): Promise<string> {
  const declared = Number(request.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  // Why `request.body` not read for a declared length: on Deno 2.9 reading it makes a JS stream
  // of a body the server already holds whole (a small POST, ~5 µs), and the request keeps that
  // stream, its queue and a copy of the bytes for the whole call (about 1 KB per call in flight);
  // `bytes()` takes the bytes without one, and answers an empty body for none.
  let bytes: Uint8Array;
  if (Number.isFinite(declared)) bytes = await readDeclared(request, options.deadlineMs);
  else if (request.body === null) return "";
  else bytes = await readBytes(request.body.getReader(), maxBytes, options.deadlineMs);
  try {
    // Why fatal: a lenient decoder turns invalid bytes into U+FFFD and the message runs anyway,
    // with text the client never sent.
    return STRICT_UTF8.decode(bytes);
  } catch {
    throw new GatewayError("PARSE_ERROR", "Parse error: request body is not valid UTF-8");
  }
}

/**
 * A body whose `Content-Length` is within the cap (the server reads no more than declared), read
 * whole. Why not the stream reader: on Deno 2.9 a server request body read to its end through a
 * reader keeps its last 64 KiB read buffer (a pending pull-into of the closed byte stream) for as
 * long as the request lives, which is the whole call: 64 KiB per call in flight.
 */
async function readDeclared(request: Request, deadlineMs: number | undefined): Promise<Uint8Array> {
  const reading = request.bytes();
  if (deadlineMs === undefined) return await reading;
  let cancel = () => {};
  const expired = new Promise<never>((_, reject) => {
    cancel = setSharedTimeout(() => reject(timedOut(deadlineMs)), deadlineMs);
  });
  // Why: past the deadline the read goes on until the connection closes; its end is not news.
  reading.catch(() => {});
  try {
    return await Promise.race([reading, expired]);
  } finally {
    cancel();
  }
}

async function readBytes(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  maxBytes: number,
  deadlineMs: number | undefined,
): Promise<Uint8Array> {
  // Why a timer that cancels the reader, not a race per chunk: one timer per body, cleared at
  // the end; a cancelled reader ends its pending read, so the loop below sees the deadline.
  let expired = false;
  const timer = deadlineMs === undefined ? undefined : setTimeout(() => {
    expired = true;
    reader.cancel().catch(() => {});
  }, deadlineMs);
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    while (true) {
      let chunk: ReadableStreamReadResult<Uint8Array> | undefined;
      try {
        chunk = await reader.read();
      } catch (error) {
        // Why: a read the deadline cancelled may reject instead of ending; report the deadline.
        if (!expired) throw error;
      }
      if (expired || chunk === undefined) throw timedOut(deadlineMs ?? 0);
      if (chunk.done) break;
      total += chunk.value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => {});
        throw tooLarge(maxBytes);
      }
      chunks.push(chunk.value);
    }
  } finally {
    clearTimeout(timer);
  }
  // Why: most bodies arrive in one chunk; returning it spares a second copy of the body.
  if (chunks.length === 1) return chunks[0]!;
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new GatewayError("PARSE_ERROR", "Parse error: request body is not valid JSON");
  }
}

function timedOut(deadlineMs: number): GatewayError {
  return new GatewayError(
    "REQUEST_TIMEOUT",
    `Request body too slow: not received within ${deadlineMs} ms`,
    { data: { deadlineMs } },
  );
}

function tooLarge(maxBytes: number): GatewayError {
  return new GatewayError(
    "PAYLOAD_TOO_LARGE",
    `Request body too large: limit is ${maxBytes} bytes`,
    { data: { maxBytes } },
  );
}
