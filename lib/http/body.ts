/**
 * Reading a JSON-RPC POST body: a size cap enforced while streaming, one message per POST, and
 * parse errors reported as JSON-RPC -32700.
 */

import { GatewayError } from "../errors.ts";

/** How a body is read: `deadlineMs` bounds the whole read (absent: no bound). */
export interface BodyReadOptions {
  deadlineMs?: number;
}

/**
 * Reads and parses the request body as one JSON-RPC message.
 * @throws GatewayError PAYLOAD_TOO_LARGE, REQUEST_TIMEOUT, PARSE_ERROR, INVALID_REQUEST (batch or
 *   not an object).
 */
export async function readJsonRpcBody(
  request: Request,
  maxBytes: number,
  options: BodyReadOptions = {},
): Promise<unknown> {
  const text = await readCapped(request, maxBytes, options);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new GatewayError("PARSE_ERROR", "Parse error: request body is not valid JSON");
  }
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

async function readCapped(
  request: Request,
  maxBytes: number,
  options: BodyReadOptions,
): Promise<string> {
  const declared = Number(request.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  if (!request.body) return "";
  const reader = request.body.getReader();
  // Why a timer that cancels the reader, not a race per chunk: one timer per body, cleared at
  // the end; a cancelled reader ends its pending read, so the loop below sees the deadline.
  let expired = false;
  const timer = options.deadlineMs === undefined ? undefined : setTimeout(() => {
    expired = true;
    reader.cancel().catch(() => {});
  }, options.deadlineMs);
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    while (true) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (error) {
        // Why: a read the deadline cancelled may reject instead of ending; report the deadline.
        if (!expired) throw error;
      }
      if (expired) throw timedOut(options.deadlineMs!);
      const { done, value } = chunk!;
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => {});
        throw tooLarge(maxBytes);
      }
      chunks.push(value);
    }
  } finally {
    clearTimeout(timer);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
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
