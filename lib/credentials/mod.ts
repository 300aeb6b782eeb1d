/**
 * The credential vault: envelope encryption (the only user of `crypto.subtle`), the keyring,
 * credential kinds, OAuth tokens, injection into backend requests and redaction of what comes
 * back. The sealed layout is in `README.md`.
 */

/** Sets a credential's headers and query parameters on a request; raises nothing. */
export { applyOutboundAuth, type OutboundAuth } from "./inject.ts";
/**
 * What scrubs a credential's secret values and their encodings from text, whole and at a cut
 * edge, with no secret in a regular expression; type only.
 */
export type { Redactor } from "./redactor.ts";
/** The audit log's keyed argument hash (HMAC under an HKDF-derived key); raises nothing. */
export { createArgsHasher } from "./args_hash.ts";
/**
 * Sealed 2025-era session ids (AES-GCM under an HKDF-derived key, bound to their owner); opening
 * and sealing raise nothing.
 */
export { createSessionSealer, type SessionSealer } from "./session_seal.ts";
/**
 * Key ring: load (INVALID_CONFIG on bad material), generate a key, add one to a key file; every
 * other key is derived from the master key by HKDF (raises nothing).
 */
export {
  addKeyToFile,
  generateMasterKey,
  type Kek,
  type Keyring,
  type KeySource,
  loadKeyring,
} from "./keyring.ts";
/** Credential kinds and their settings (OAuth kinds share `OAuthConfig`); types only. */
export type { ClientAuthMethod, KindConfig, OAuthConfig } from "./kinds.ts";
/** Whether an error is an upstream HTTP 401; raises nothing. */
export { isUnauthorized, type ResolvedCredential } from "./resolver.ts";
/** What a key rotation, or a re-seal in the current format, did. */
export type { ResealReport, RewrapReport } from "./rewrap.ts";
/** The sealed-blob format the vault writes now (`nexus migrate` re-seals older ones). */
export { SEAL_FORMAT } from "./seal.ts";
/**
 * The vault; its operations raise GatewayError INVALID_INPUT, NOT_FOUND, INVALID_CONFIG (no
 * master key), INTERNAL (a blob that does not open) and, for OAuth kinds, UPSTREAM_ERROR,
 * UPSTREAM_UNAVAILABLE or UPSTREAM_TIMEOUT.
 */
export {
  createVault,
  type CredentialDetail,
  type CredentialInfo,
  type RotateCredentialInput,
  type SetCredentialInput,
  type Vault,
  type VaultOptions,
} from "./vault.ts";
/** Token endpoint requests by grant, as `Vault.tokensIssued()` counts them; a type only. */
export type { TokenCounts } from "./context.ts";
