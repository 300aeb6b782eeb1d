/**
 * HMAC-SHA-256 (RFC 2104) under a key fixed once, as hex: the audit log's argument hash, computed
 * for every call. Why not `createHmac` per call: on Deno 2.9 its Node `Hmac` builds a key object
 * and several buffers each time; two SHA-256 hashes over the pads computed once give the same
 * digest for about 70% of the CPU (micro-benchmark: 7.3 → 5.3 µs on a short text).
 */

import { createHash } from "node:crypto";

const BLOCK_BYTES = 64;

/** A hasher of texts (as UTF-8) under `key`; raises nothing. */
export function hmacSha256Hex(key: Uint8Array): (text: string) => string {
  // Why: RFC 2104 hashes a key longer than the block first.
  const block = key.length > BLOCK_BYTES ? createHash("sha256").update(key).digest() : key;
  const inner = new Uint8Array(BLOCK_BYTES);
  const outer = new Uint8Array(BLOCK_BYTES);
  for (let index = 0; index < BLOCK_BYTES; index++) {
    const byte = block[index] ?? 0;
    inner[index] = byte ^ 0x36;
    outer[index] = byte ^ 0x5c;
  }
  return (text) => {
    const innerDigest = createHash("sha256").update(inner).update(text).digest();
    return createHash("sha256").update(outer).update(innerDigest).digest("hex");
  };
}
