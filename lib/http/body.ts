/**
 * Reading a JSON-RPC POST body: a size cap enforced while streaming, one message per POST, and
 * parse errors reported as JSON-RPC -32700.
 */

import { GatewayError } from "../errors.ts";

/**
 * Reads and parses the request body as one JSON-RPC message.
 * @throws GatewayError PAYLOAD_TOO_LARGE, PARSE_ERROR, INVALID_REQUEST (batch or not an object).
 */
export async function readJsonRpcBody(request: Request, maxBytes: number): Promise<unknown> {
  const text = await readCapped(request, maxBytes);
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

async function readCapped(request: Request, maxBytes: number): Promise<string> {
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
  return new TextDecoder().decode(bytes);
}

function tooLarge(maxBytes: number): GatewayError {
  return new GatewayError(
    "PAYLOAD_TOO_LARGE",
    `Request body too large: limit is ${maxBytes} bytes`,
    { data: { maxBytes } },
  );
}
