/**
 * The audit log's argument hash: HMAC-SHA-256 under a key derived from the primary KEK (HKDF,
 * label `nexus audit args v1`), so a hash of low-entropy arguments (a PIN, an account number)
 * cannot be reversed by a dictionary without the master key.
 */

// Why a synchronous HMAC (node:crypto): the audit record is built synchronously on the call path;
// the key itself comes from crypto.subtle (HKDF), so the master key is never used directly.
import { hmacSha256Hex } from "../hmac_sha256.ts";
import { deriveBits, KDF_LABELS, type Keyring } from "./keyring.ts";

/**
 * A function from canonical argument text to a lower-case hex HMAC-SHA-256 under the key derived
 * from `keyring`'s primary KEK. Equal text gives equal hashes while the primary KEK stays the same
 * (a restart after `nexus keys rotate` starts new hashes). Raises nothing.
 */
export async function createArgsHasher(keyring: Keyring): Promise<(text: string) => string> {
  const key = await deriveBits(keyring.primary(), KDF_LABELS.auditArgs, 32);
  return hmacSha256Hex(new Uint8Array(key));
}
