/**
 * API keys: `nxk_<key id>_<secret>`. The key id is public (the store's primary key, shown in
 * listings); only the SHA-256 of the secret is stored, compared in constant time. Lookups are
 * cached for `cacheTtlMs`, so a revocation through another process takes effect within that time
 * (at once through the admin API of the same process, which calls `forget`).
 */

// Why node:crypto and not crypto.subtle: a synchronous hash of a 256-bit random secret is all
// this needs (no key stretching for high-entropy keys); `crypto.subtle` stays with lib/credentials.
import { createHash, timingSafeEqual } from "node:crypto";
import { GatewayError } from "../errors.ts";
import { Secret } from "../secret.ts";
import type { ApiKeyRepo, ApiKeyRow, ApiKeyScope } from "../store/mod.ts";
import type { Principal } from "./principal.ts";

const KEY_PATTERN = /^nxk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
const CLIENT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,127}$/;

/** Whether a bearer token is shaped like a gateway API key (and not a JWT). */
export function isApiKey(token: string): boolean {
  return token.startsWith("nxk_");
}

/** A newly issued key: shown once, then only its hash exists. */
export interface IssuedKey {
  /** The whole key, `nxk_<key id>_<secret>`, to hand to the client; it cannot be shown again. */
  key: Secret;
  /** The row as stored: the key id, the secret's hash and what the key may do. */
  row: ApiKeyRow;
}

/**
 * Issues a key for client `name` and stores its hash.
 * @throws GatewayError INVALID_INPUT for a bad name; CONFLICT when an active key has the name;
 *   UPSTREAM_TIMEOUT when the embedded store stays locked.
 */
export async function issueApiKey(
  repo: ApiKeyRepo,
  name: string,
  options: {
    scope?: ApiKeyScope;
    tools?: string[];
    groups?: string[];
    expiresAt?: number;
    now?: number;
  } = {},
): Promise<IssuedKey> {
  if (!CLIENT_NAME.test(name)) {
    throw new GatewayError(
      "INVALID_INPUT",
      `Invalid client name "${name}": use letters, digits, ".", "_", "-" or "@" (at most 128)`,
    );
  }
  const keyId = toHex(crypto.getRandomValues(new Uint8Array(8)));
  const secret = toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
  const row: ApiKeyRow = {
    keyId,
    name,
    scope: options.scope ?? "mcp",
    hash: hashSecret(secret),
    tools: options.tools ?? [],
    groups: options.groups ?? [],
    createdAt: options.now ?? Date.now(),
    expiresAt: options.expiresAt ?? null,
    revokedAt: null,
  };
  await repo.insert(row);
  return { key: new Secret(`nxk_${keyId}_${secret}`), row };
}

/** Verifies API keys against the store, with a short cache. */
export interface ApiKeyVerifier {
  /**
   * The principal of a valid, unrevoked, unexpired key of `scope`.
   * @throws GatewayError UNAUTHENTICATED otherwise (one message for every reason but expiry).
   */
  verify(token: string, scope: ApiKeyScope): Promise<Principal>;
  /** Whether any active key of `scope` exists (cached like lookups). */
  anyActive(scope: ApiKeyScope): Promise<boolean>;
  /** Drops cached lookups (after a revocation in this process). */
  forget(): void;
}

interface Cached<T> {
  value: T;
  at: number;
}

/** Creates a verifier over `repo`. Raises nothing at creation. */
export function createApiKeyVerifier(
  repo: ApiKeyRepo,
  options: { now?: () => number; cacheTtlMs?: number; cacheSize?: number } = {},
): ApiKeyVerifier {
  const now = options.now ?? Date.now;
  const ttl = options.cacheTtlMs ?? 2000;
  const size = options.cacheSize ?? 10_000;
  const rows = new Map<string, Cached<{ row: ApiKeyRow; principal: Principal } | null>>();
  const counts = new Map<ApiKeyScope, Cached<boolean>>();

  async function lookup(keyId: string) {
    const hit = rows.get(keyId);
    if (hit !== undefined && now() - hit.at < ttl) return hit.value;
    const row = await repo.find(keyId);
    const value = row === undefined ? null : { row, principal: principalOf(row) };
    if (rows.size >= size) rows.delete(rows.keys().next().value!);
    rows.set(keyId, { value, at: now() });
    return value;
  }

  return {
    async verify(token, scope) {
      const match = KEY_PATTERN.exec(token);
      const invalid = new GatewayError("UNAUTHENTICATED", "Invalid API key");
      if (match === null) throw invalid;
      const found = await lookup(match[1]!);
      if (found === null || found.row.scope !== scope || found.row.revokedAt !== null) {
        throw invalid;
      }
      if (!hashMatches(match[2]!, found.row.hash)) throw invalid;
      if (found.row.expiresAt !== null && found.row.expiresAt <= now()) {
        throw new GatewayError("UNAUTHENTICATED", "Invalid API key: expired");
      }
      return found.principal;
    },
    async anyActive(scope) {
      const hit = counts.get(scope);
      if (hit !== undefined && now() - hit.at < ttl) return hit.value;
      const value = (await repo.countActive(scope, now())) > 0;
      counts.set(scope, { value, at: now() });
      return value;
    },
    forget() {
      rows.clear();
      counts.clear();
    },
  };
}

/** The principal an API key row authenticates as. Raises nothing. */
export function principalOf(row: ApiKeyRow): Principal {
  return {
    id: `key:${row.keyId}`,
    kind: "api_key",
    name: row.name,
    groups: row.groups,
    ...(row.tools.length > 0 ? { tools: row.tools } : {}),
  };
}

function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

function hashMatches(secret: string, storedHex: string): boolean {
  const actual = createHash("sha256").update(secret).digest();
  const expected = Uint8Array.from(storedHex.match(/../g) ?? [], (byte) => parseInt(byte, 16));
  return expected.length === actual.length && timingSafeEqual(actual, expected);
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

function toBase64Url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_")
    .replace(/=+$/, "");
}
