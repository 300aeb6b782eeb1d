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
  // Why this text: it is what canonicalJson writes for the array [tool, scope, args].
  const text = `[${JSON.stringify(tool)},${JSON.stringify(scope)},${argsText}]`;
  // Why: a digest keeps keys short whatever the arguments; SHA-256 so distinct tenants' keys never
  // collide. It hashes no secret, so it stays outside the crypto.subtle seam (lib/credentials).
  return createHash("sha256").update(text).digest("hex");
}
