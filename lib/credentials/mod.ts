/**
 * The credential vault: envelope encryption (the only user of `crypto.subtle`), the keyring,
 * credential kinds, OAuth tokens, injection into backend requests and redaction of what comes
 * back. The sealed layout is in `README.md`.
 */

/** Sets a credential's headers and query parameters on a request; raises nothing. */
export { applyOutboundAuth, type OutboundAuth } from "./inject.ts";
/**
 * Scrubs secret values and their encodings from text, whole and at a cut edge, with no secret in
 * a regular expression; raises nothing.
 */
export {
  createRedactor,
  MIN_PARTIAL_LENGTH,
  MIN_REDACT_LENGTH,
  type Redactor,
} from "./redactor.ts";
/** The audit log's keyed argument hash (HMAC under an HKDF-derived key); raises nothing. */
export { createArgsHasher } from "./args_hash.ts";
/**
 * Key ring: load (INVALID_CONFIG on bad material), generate a key, add one to a key file; every
 * other key is derived by HKDF under one of `KDF_LABELS` (raises nothing).
 */
export {
  addKeyToFile,
  deriveBits,
  generateMasterKey,
  KDF_LABELS,
  type Kek,
  type Keyring,
  type KeySource,
  loadKeyring,
} from "./keyring.ts";
/** Credential kinds and their settings (OAuth kinds share `OAuthConfig`); types and a list. */
export {
  type ClientAuthMethod,
  CREDENTIAL_KINDS,
  type CredentialKind,
  type KindConfig,
  type OAuthConfig,
} from "./kinds.ts";
/** Whether an error is an upstream HTTP 401; raises nothing. */
export { isUnauthorized, type ResolvedCredential } from "./resolver.ts";
/** What a key rotation, or a re-seal in the current format, did. */
export type { ResealReport, RewrapReport } from "./rewrap.ts";
/**
 * Seal and open one blob (INTERNAL when it does not open: tampered, moved or wrong key); exported
 * for tests and the benchmark, the vault uses them itself.
 */
export {
  configDigest,
  open,
  readHeader,
  seal,
  SEAL_FORMAT,
  type SealBinding,
  type SealedHeader,
} from "./seal.ts";
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
