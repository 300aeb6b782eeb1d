/**
 * JWT bearer tokens from an OIDC provider: signature against the provider's JWKS, a fixed list of
 * asymmetric algorithms (never `none`, never HMAC, so a token "signed" with the RSA public key as
 * an HMAC secret is refused before any key is looked at), issuer, audience (this gateway),
 * `exp`/`nbf` with a small clock skew, and the RFC 9068 header `typ: at+jwt` unless switched off
 * (so an ID token, `typ: JWT` or none, is not taken for an access token). Verified tokens are remembered until they expire, so a
 * client sending the same token again costs a map lookup, not a signature check.
 */

import { errors, type JWTPayload, jwtVerify } from "jose";
import { GatewayError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { createJwksCache, discoverJwksUrl, type JwksCache } from "./jwks.ts";
import type { Principal } from "./principal.ts";

/** What a JWT verifier checks. */
export interface JwtOptions {
  /** The expected `iss`, compared exactly; OIDC discovery starts here when `jwksUrl` is absent. */
  issuer: string;
  /** Accepted `aud` values: this gateway's resource identifier(s). */
  audience: readonly string[];
  /** Allowed JWS algorithms (asymmetric only; the config schema admits no others). */
  algorithms: readonly string[];
  /** JWKS URL; discovered from the issuer when absent. */
  jwksUrl?: string;
  /** Leeway for `exp` and `nbf`, in seconds. */
  clockSkewSec: number;
  /** Claim path naming the client (`azp`; falls back to `client_id`, then `sub`). */
  clientClaim: string;
  /** Claim path holding the groups (`groups`, `realm_access.roles`). */
  groupsClaim: string;
  /**
   * Require the RFC 9068 header `typ: at+jwt` (or `application/at+jwt`). Default true. Why:
   * an ID token carries the same issuer and signature, and often the same audience; only `typ`
   * says it was issued to be shown to a resource server. Off for providers that do not set it.
   */
  requireAtJwt?: boolean;
  /** Receives JWKS refresh failures (warnings; the keys held are kept). */
  logger: Logger;
  /** Fetch for discovery and the JWKS (default `globalThis.fetch`); injectable for tests. */
  fetch?: typeof fetch;
  /** The clock in epoch ms, for `exp`/`nbf` and caches (default `Date.now`). */
  now?: () => number;
  /** JWKS cache tuning (tests shorten the cooldown). */
  jwks?: { maxAgeMs?: number; cooldownMs?: number };
  /** Verified tokens remembered; default 10 000. */
  cacheSize?: number;
}

/** Verifies bearer JWTs. */
export interface JwtVerifier {
  /**
   * The principal a valid token names.
   * @throws GatewayError UNAUTHENTICATED for any invalid token, UPSTREAM_UNAVAILABLE without keys.
   */
  verify(token: string): Promise<Principal>;
  /** The JWKS cache, for tests and metrics. */
  readonly jwks: JwksCache;
}

const HMAC = /^HS/;

interface Remembered {
  principal: Principal;
  /** Milliseconds since the epoch when the token stops being accepted (exp + skew). */
  until: number;
}

/**
 * Creates a JWT verifier; fetches nothing until the first token.
 * @throws GatewayError INVALID_CONFIG for an HMAC or `none` algorithm in `algorithms`.
 */
export function createJwtVerifier(options: JwtOptions): JwtVerifier {
  const bad = options.algorithms.filter((alg) => HMAC.test(alg) || alg === "none");
  if (bad.length > 0) {
    throw new GatewayError("INVALID_CONFIG", `Invalid JWT algorithms: ${bad.join(", ")}`);
  }
  const now = options.now ?? Date.now;
  let discovered: Promise<string> | undefined;
  const jwksUrl = options.jwksUrl ?? (() => {
    discovered ??= discoverJwksUrl(options.issuer, { fetch: options.fetch }).catch((error) => {
      discovered = undefined;
      throw error;
    });
    return discovered;
  });
  const jwks = createJwksCache({
    jwksUrl,
    logger: options.logger,
    fetch: options.fetch,
    now,
    ...options.jwks,
  });
  const cacheSize = options.cacheSize ?? 10_000;
  const remembered = new Map<string, Remembered>();
  const verifyOptions = {
    issuer: options.issuer,
    audience: [...options.audience],
    algorithms: [...options.algorithms],
    clockTolerance: options.clockSkewSec,
    requiredClaims: ["exp"],
    typ: options.requireAtJwt === false ? undefined : "at+jwt",
  };

  async function verify(token: string): Promise<Principal> {
    const hit = remembered.get(token);
    if (hit !== undefined) {
      if (now() < hit.until) return hit.principal;
      remembered.delete(token);
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, jwks.getKey, {
        ...verifyOptions,
        currentDate: new Date(now()),
      }));
    } catch (error) {
      if (error instanceof GatewayError) throw error;
      throw new GatewayError("UNAUTHENTICATED", `Invalid token: ${reasonOf(error)}`, {
        cause: error,
      });
    }
    const principal = principalOf(payload, options);
    if (remembered.size >= cacheSize) remembered.delete(remembered.keys().next().value!);
    remembered.set(token, { principal, until: payload.exp! * 1000 + options.clockSkewSec * 1000 });
    return principal;
  }
  return { verify, jwks };
}

/** A client-safe reason: which check failed, never key material or the token. */
function reasonOf(error: unknown): string {
  if (error instanceof errors.JWTExpired) return "token expired";
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === "typ") return 'not an access token: header typ must be "at+jwt"';
    return `claim "${error.claim}" failed: ${error.reason}`;
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return "algorithm not allowed";
  if (error instanceof errors.JWKSNoMatchingKey) return "no key matches the token's key id";
  if (error instanceof errors.JWSSignatureVerificationFailed) return "signature does not verify";
  if (error instanceof errors.JWTInvalid || error instanceof errors.JWSInvalid) {
    return "malformed token";
  }
  return "token rejected";
}

function principalOf(payload: JWTPayload, options: JwtOptions): Principal {
  const subject = typeof payload.sub === "string" ? payload.sub : undefined;
  const client = stringAt(payload, options.clientClaim) ?? stringAt(payload, "client_id") ??
    subject;
  if (client === undefined) {
    throw new GatewayError("UNAUTHENTICATED", "Invalid token: no subject or client claim");
  }
  return {
    id: `jwt:${payload.iss}#${subject ?? client}`,
    kind: "jwt",
    name: client,
    groups: groupsAt(payload, options.groupsClaim),
  };
}

function valueAt(payload: JWTPayload, path: string): unknown {
  let value: unknown = payload;
  for (const part of path.split(".")) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function stringAt(payload: JWTPayload, path: string): string | undefined {
  const value = valueAt(payload, path);
  return typeof value === "string" && value !== "" ? value : undefined;
}

function groupsAt(payload: JWTPayload, path: string): string[] {
  const value = valueAt(payload, path);
  if (typeof value === "string") return value.split(" ").filter((group) => group !== "");
  if (Array.isArray(value)) return value.filter((group) => typeof group === "string");
  return [];
}
