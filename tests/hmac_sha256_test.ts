import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { hmacSha256Hex } from "../lib/hmac_sha256.ts";

Deno.test("hmacSha256Hex() equals node:crypto's HMAC-SHA-256 for short, block-long and long keys", () => {
  for (const length of [0, 1, 32, 63, 64, 65, 200]) {
    const key = crypto.getRandomValues(new Uint8Array(length));
    const hash = hmacSha256Hex(key);
    // Why these lengths: the padding takes one block up to 55 bytes of tail, two from 56.
    const edges = [55, 56, 63, 64, 119, 120, 128].map((bytes) => "x".repeat(bytes));
    for (const text of ["", "{}", '{"text":"é ü 😀"}', "x".repeat(1000), ...edges]) {
      assert.equal(hash(text), createHmac("sha256", key).update(text).digest("hex"));
    }
  }
});

Deno.test("hmacSha256Hex() gives RFC 4231's test case 2", () => {
  const hash = hmacSha256Hex(new TextEncoder().encode("Jefe"));
  assert.equal(
    hash("what do ya want for nothing?"),
    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
  );
});
