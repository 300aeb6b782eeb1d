/**
 * Cache keys: tool name, credential scope and canonicalised arguments, digested. Two calls share
 * a cached response only when all three are equal, so one tenant never receives another's data.
 */

import { createHash } from "node:crypto";
import { canonicalJson } from "../canonical_json.ts";

/** What a cache key is made of. */
export interface CacheKeyParts {
  /** The tool's name. */
  tool: string;
  /**
   * Whose data the response is: `public` for a tool without credentials, else the credential
   * scope, including the caller's identity when the credential is per user.
   */
  scope: string;
  /** The call's arguments; key order does not matter (they are canonicalised). */
  args: Record<string, unknown>;
}

/** The key of one call: a SHA-256 hex digest of its canonical parts; raises nothing. */
export function cacheKeyOf(parts: CacheKeyParts): string {
  return cacheKeyOfCanonical(parts.tool, parts.scope, canonicalJson(parts.args));
}

/**
 * The same key as {@linkcode cacheKeyOf} from arguments already in canonical JSON (`argsText` is
 * `canonicalJson(args)`), for a caller that keeps that text for other uses (the audit row).
 * Raises nothing.
 */
export function cacheKeyOfCanonical(tool: string, scope: string, argsText: string): string {
  return digest(keyText(tool, scope, argsText));
}

/** Longest canonical text an in-process store keys an entry by as it is (else its digest). */
export const MAX_PLAIN_KEY_CHARS = 512;

/**
 * The key of one call for a store whose ids never leave the process: the canonical text itself
 * when it is short, else {@linkcode cacheKeyOfCanonical}'s digest. Why: the digest (about 3 µs of
 * `node:crypto` per call in the server's profile) only keeps shared keys short. The two kinds
 * never meet: a digest is 64 hex digits, a canonical text starts with `[`. Raises nothing.
 */
export function plainCacheKey(tool: string, scope: string, argsText: string): string {
  const text = keyText(tool, scope, argsText);
  return text.length <= MAX_PLAIN_KEY_CHARS ? text : digest(text);
}

/** What canonicalJson writes for the array [tool, scope, args]. */
function keyText(tool: string, scope: string, argsText: string): string {
  return `[${JSON.stringify(tool)},${JSON.stringify(scope)},${argsText}]`;
}

function digest(text: string): string {
  // Why: a digest keeps keys short whatever the arguments; SHA-256 so distinct tenants' keys never
  // collide. It hashes no secret, so it stays outside the crypto.subtle seam (lib/credentials).
  return createHash("sha256").update(text).digest("hex");
}
