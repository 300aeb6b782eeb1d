/**
 * Reading request bodies, the one way every route reads them: a size cap enforced while
 * streaming, strict UTF-8, then JSON. `/mcp` reads one JSON-RPC message per POST (parse errors
 * are JSON-RPC -32700); `/admin` and `/demo` read one JSON object.
 */

import { GatewayError } from "../errors.ts";

/** The body cap of the admin API and the demo API: their bodies are small JSON objects. */
export const API_MAX_BODY_BYTES = 64 * 1024;

/**
 * Reads and parses the request body as one JSON-RPC message.
 * @throws GatewayError PAYLOAD_TOO_LARGE, PARSE_ERROR (not UTF-8, not JSON), INVALID_REQUEST
 *   (batch or not an object).
 */
export async function readJsonRpcBody(request: Request, maxBytes: number): Promise<unknown> {
  const value = parseJson(await readCapped(request, maxBytes));
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
 * @throws GatewayError PAYLOAD_TOO_LARGE, PARSE_ERROR (not UTF-8, not JSON), INVALID_INPUT (JSON
 *   but not an object).
 */
export async function readJsonObject(
  request: Request,
  maxBytes: number,
): Promise<Record<string, unknown>> {
  const value = parseJson(await readCapped(request, maxBytes));
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new GatewayError("INVALID_INPUT", "Invalid request: body must be a JSON object");
  }
  return value as Record<string, unknown>;
}

/**
 * Reads the whole body as UTF-8 text, refusing it as soon as it passes `maxBytes` (a declared
 * `Content-Length` over the cap is refused unread).
 * @throws GatewayError PAYLOAD_TOO_LARGE, PARSE_ERROR for bytes that are not valid UTF-8.
 */
export async function readCapped(request: Request, maxBytes: number): Promise<string> {
  const declared = Number(request.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    // Why fatal: a lenient decoder turns invalid bytes into U+FFFD and the message runs anyway,
    // with text the client never sent.
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new GatewayError("PARSE_ERROR", "Parse error: request body is not valid UTF-8");
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new GatewayError("PARSE_ERROR", "Parse error: request body is not valid JSON");
  }
}

function tooLarge(maxBytes: number): GatewayError {
  return new GatewayError(
    "PAYLOAD_TOO_LARGE",
    `Request body too large: limit is ${maxBytes} bytes`,
    { data: { maxBytes } },
  );
}
