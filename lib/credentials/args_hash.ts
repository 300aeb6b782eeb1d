/**
 * The audit log's argument hash: HMAC-SHA-256 under a key derived from the primary KEK (HKDF,
 * label `nexus audit args v1`), so a hash of low-entropy arguments (a PIN, an account number)
 * cannot be reversed by a dictionary without the master key.
 */

// Why node:crypto for the HMAC: the audit record is built synchronously on the call path; the
// key itself comes from crypto.subtle (HKDF), so the master key is never used directly.
import { createHmac } from "node:crypto";
import { deriveBits, KDF_LABELS, type Keyring } from "./keyring.ts";

/**
 * A function from canonical argument text to a lower-case hex HMAC-SHA-256 under the key derived
 * from `keyring`'s primary KEK. Equal text gives equal hashes while the primary KEK stays the same
 * (a restart after `nexus keys rotate` starts new hashes). Raises nothing.
 */
export async function createArgsHasher(keyring: Keyring): Promise<(text: string) => string> {
  const key = await deriveBits(keyring.primary(), KDF_LABELS.auditArgs, 32);
  return (text) => createHmac("sha256", key).update(text).digest("hex");
}
