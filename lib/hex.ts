/** Bytes as lower-case hex, by table: the trace ids (http/) and the audit hash (hmac_sha256.ts). */

/** The two hex digits of each byte value, `HEX_PAIRS[0x2f] === "2f"`. */
export const HEX_PAIRS: readonly string[] = Array.from(
  { length: 256 },
  (_, byte) => byte.toString(16).padStart(2, "0"),
);
