/**
 * Bounded reading of an upstream body: never buffers more than a cap, and cancels the stream once
 * the cap is passed so the upstream stops sending.
 */

/** Bytes read from a body; `complete` is false when reading stopped at the cap. */
export interface CappedBody {
  /** At most `limit + 1` bytes: one past the cap proves the body was longer. */
  bytes: Uint8Array;
  complete: boolean;
}

/** Reads `body` until it ends or more than `limit` bytes arrived, then cancels the rest. */
export async function readCapped(
  body: ReadableStream<Uint8Array> | null,
  limit: number,
): Promise<CappedBody> {
  if (body === null) return { bytes: new Uint8Array(0), complete: true };
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size <= limit) {
      const { done, value } = await reader.read();
      if (done) return { bytes: concatBytes(chunks, size), complete: true };
      chunks.push(value);
      size += value.byteLength;
    }
  } catch (error) {
    await reader.cancel().catch(() => {});
    throw error;
  }
  await reader.cancel().catch(() => {});
  return { bytes: concatBytes(chunks, limit + 1), complete: false };
}

/**
 * Reads `response`'s body like {@linkcode readCapped}; a body that declares its length within
 * `limit` and is not compressed is read whole, without a JS stream.
 */
export async function readResponseCapped(response: Response, limit: number): Promise<CappedBody> {
  const declared = Number(response.headers.get("content-length") ?? NaN);
  const encoding = response.headers.get("content-encoding");
  // Why only identity bodies: a compressed body's length says nothing of what it inflates to.
  if (Number.isSafeInteger(declared) && declared <= limit && encoding === null) {
    const bytes = await response.bytes();
    // Why the check: the length is the sender's word; more than the cap is cut like a stream.
    if (bytes.byteLength <= limit) return { bytes, complete: true };
    return { bytes: bytes.subarray(0, limit + 1), complete: false };
  }
  return await readCapped(response.body, limit);
}

/** Discards a body without reading it, so its connection is released. */
export async function discardBody(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => {});
}

/** The largest cut at or below `maxBytes` that does not split a UTF-8 sequence. */
export function utf8Boundary(bytes: Uint8Array, maxBytes: number): number {
  if (bytes.length <= maxBytes) return bytes.length;
  let cut = maxBytes;
  // Why: bytes 10xxxxxx continue a sequence that started before the cut; back up to its lead byte.
  while (cut > 0 && ((bytes[cut] ?? 0) & 0xc0) === 0x80) cut--;
  return cut;
}

function concatBytes(chunks: Uint8Array[], max: number): Uint8Array {
  // Why: most bodies arrive in one chunk; returning it spares a second copy of the body.
  const only = chunks.length === 1 ? chunks[0] : undefined;
  if (only !== undefined && only.byteLength <= max) return only;
  const total = Math.min(max, chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0));
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    if (offset >= total) break;
    const part = chunk.subarray(0, total - offset);
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}
