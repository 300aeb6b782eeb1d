/**
 * Caller identity (`Principal`), client authentication (API keys, OIDC JWTs) and tool policies
 * (per client and group, per virtual server).
 */

/** Caller identity: the principal and endpoint every policy, limit and audit record keys on. */
export {
  anonymousPrincipal,
  type Caller,
  callerOf,
  DEFAULT_SERVER,
  type Principal,
  type PrincipalKind,
  stdioPrincipal,
} from "./principal.ts";
/** `issueApiKey()` mints a key and stores its hash; raises INVALID_INPUT (bad name), CONFLICT. */
export { issueApiKey, type IssuedKey, principalOf } from "./api_keys.ts";
/** `createApiKeyVerifier()` checks keys against the store; `verify` raises UNAUTHENTICATED. */
export { type ApiKeyVerifier, createApiKeyVerifier } from "./api_keys.ts";
/** `createJwtVerifier()` checks OIDC JWTs; raises INVALID_CONFIG, `verify` UNAUTHENTICATED. */
export { createJwtVerifier, type JwtOptions, type JwtVerifier } from "./jwt.ts";
/** The JWKS cache a `JwtVerifier` exposes; type only. */
export type { JwksCache } from "./jwks.ts";
/** `createAuthenticator()` turns a bearer header into a principal; UNAUTHENTICATED, FORBIDDEN. */
export {
  type Authenticator,
  type AuthenticatorOptions,
  createAuthenticator,
} from "./authenticate.ts";
/** `createPolicy()` compiles policies and virtual servers; raises nothing. */
export { createPolicy, type Policy, type PolicyRule, type VirtualServerSpec } from "./policy.ts";
/** `describeToolAccess()`: which policies and virtual servers name a tool (admin console); raises nothing. */
export { describeToolAccess, type PolicyMatch, type ToolAccess } from "./policy_view.ts";
