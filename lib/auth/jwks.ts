/**
 * The OIDC provider's signing keys: the JWKS document fetched once, cached, re-fetched when it is
 * older than `maxAgeMs`, and re-fetched once more when a token names a key id it does not hold
 * (key rotation), at most once per `cooldownMs` so random key ids cannot make the gateway hammer
 * the provider.
 */

import {
  createLocalJWKSet,
  errors,
  type FlattenedJWSInput,
  type JSONWebKeySet,
  type JWSHeaderParameters,
} from "jose";
import { GatewayError } from "../errors.ts";
import type { Logger } from "../log.ts";

// Why `@ignore` on `KeyResolver`: `deno doc --lint` (Deno 2.9) reports every npm type a public
// type names as a private-type-ref (denoland/deno#27364), and this signature is jose's own
// (`jwtVerify`'s key function), so it must name jose's header types. `@ignore` keeps the alias out
// of the generated docs and the lint without changing a type; drop it once Deno ships the fix.

/**
 * Resolves the verification key for one token's protected header, as `jwtVerify` calls it.
 * @ignore
 */
export type KeyResolver = (
  header: JWSHeaderParameters,
  token: FlattenedJWSInput,
) => Promise<CryptoKey>;

/** Options of the JWKS cache; time and fetch are injectable for tests. */
export interface JwksCacheOptions {
  /** The JWKS URL, or a function resolving it (OIDC discovery). */
  jwksUrl: string | (() => Promise<string>);
  logger: Logger;
  fetch?: typeof fetch;
  now?: () => number;
  /** Re-fetch a JWKS older than this before using it. Default 10 minutes. */
  maxAgeMs?: number;
  /** Least time between two refreshes caused by an unknown key id. Default 30 s. */
  cooldownMs?: number;
  /** Timeout of one fetch. Default 5 s. */
  timeoutMs?: number;
}

/** A cached JWKS. */
export interface JwksCache {
  /** Key resolver for `jwtVerify`; raises UPSTREAM_UNAVAILABLE when no JWKS could ever be read. */
  getKey: KeyResolver;
  /** How many times the JWKS document has been fetched successfully. */
  fetches(): number;
}

type LocalSet = ReturnType<typeof createLocalJWKSet>;

/** Creates a JWKS cache; fetches nothing until the first token arrives. */
export function createJwksCache(options: JwksCacheOptions): JwksCache {
  const now = options.now ?? Date.now;
  const doFetch = options.fetch ?? fetch;
  const maxAgeMs = options.maxAgeMs ?? 10 * 60_000;
  const cooldownMs = options.cooldownMs ?? 30_000;
  let keys: LocalSet | undefined;
  let fetchedAt = -Infinity;
  let lastKidRefresh = -Infinity;
  let inFlight: Promise<void> | undefined;
  let count = 0;

  function refresh(): Promise<void> {
    inFlight ??= (async () => {
      try {
        const url = typeof options.jwksUrl === "string" ? options.jwksUrl : await options.jwksUrl();
        const jwks = await fetchJwks(url, doFetch, options.timeoutMs ?? 5000);
        keys = createLocalJWKSet(jwks);
        fetchedAt = now();
        count++;
      } catch (error) {
        options.logger.warn("Cannot refresh the JWKS: keeping the keys held", { error });
        if (keys === undefined) {
          throw new GatewayError("UPSTREAM_UNAVAILABLE", "Cannot verify token: JWKS unavailable", {
            cause: error,
          });
        }
      } finally {
        inFlight = undefined;
      }
    })();
    return inFlight;
  }

  async function getKey(header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey> {
    if (keys === undefined || now() - fetchedAt > maxAgeMs) await refresh();
    try {
      return await keys!(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      if (now() - lastKidRefresh < cooldownMs) throw error;
      lastKidRefresh = now();
      await refresh();
      return await keys!(header, token);
    }
  }
  return { getKey, fetches: () => count };
}

async function fetchJwks(
  url: string,
  doFetch: typeof fetch,
  timeoutMs: number,
): Promise<JSONWebKeySet> {
  const response = await doFetch(url, {
    headers: { accept: "application/json" },
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`JWKS fetch answered HTTP ${response.status}: ${url}`);
  }
  const body = await response.json();
  if (typeof body !== "object" || body === null || !Array.isArray(body.keys)) {
    throw new Error(`JWKS document has no "keys" list: ${url}`);
  }
  return body as JSONWebKeySet;
}

/**
 * Reads `jwks_uri` from the issuer's OIDC discovery document (falling back to RFC 8414 metadata)
 * and checks that the document names the same issuer.
 * @throws Error when neither document can be read or the issuer differs.
 */
export async function discoverJwksUrl(
  issuer: string,
  options: { fetch?: typeof fetch; timeoutMs?: number } = {},
): Promise<string> {
  const doFetch = options.fetch ?? fetch;
  const base = issuer.replace(/\/$/, "");
  const candidates = [
    `${base}/.well-known/openid-configuration`,
    wellKnownFor(issuer, "oauth-authorization-server"),
  ];
  let lastError: unknown;
  for (const url of candidates) {
    try {
      const response = await doFetch(url, {
        headers: { accept: "application/json" },
        signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
      });
      if (!response.ok) {
        await response.body?.cancel();
        throw new Error(`HTTP ${response.status} from ${url}`);
      }
      const doc = await response.json();
      if (doc?.issuer !== issuer) throw new Error(`${url} names issuer ${String(doc?.issuer)}`);
      if (typeof doc.jwks_uri !== "string") throw new Error(`${url} has no jwks_uri`);
      return doc.jwks_uri;
    } catch (error) {
      lastError = error;
    }
  }
  throw new Error(`Cannot discover the JWKS of ${issuer}`, { cause: lastError });
}

function wellKnownFor(issuer: string, name: string): string {
  const url = new URL(issuer);
  const path = url.pathname === "/" ? "" : url.pathname.replace(/\/$/, "");
  return `${url.origin}/.well-known/${name}${path}`;
}
