/**
 * The console's OIDC sign-in state: PKCE pairs (RFC 7636, `S256`) and the logins begun and not
 * yet finished, by their `state`, held in memory for ten minutes.
 */

import { createHash } from "node:crypto";
import { randomToken } from "./sessions.ts";

/** One login begun: what the browser is sent with, and what the callback needs back. */
export interface PendingLogin {
  /** The `state` parameter, also kept in a cookie of the browser that began the login. */
  state: string;
  /** The PKCE verifier, sent with the code to the token endpoint. */
  verifier: string;
  /** Its `S256` challenge, sent to the authorization endpoint. */
  challenge: string;
}

/** The logins begun here. */
export interface PendingLogins {
  /** Begins one. */
  begin(): PendingLogin;
  /** The verifier of a login begun and not finished or expired (it is forgotten). */
  finish(state: string): string | undefined;
}

/** Creates the store. Raises nothing. */
export function createPendingLogins(
  options: { ttlMs?: number; max?: number; now?: () => number } = {},
): PendingLogins {
  const ttlMs = options.ttlMs ?? 600_000;
  const max = options.max ?? 1000;
  const now = options.now ?? Date.now;
  const pending = new Map<string, { verifier: string; expiresAt: number }>();
  return {
    begin() {
      const at = now();
      for (const [state, login] of pending) if (login.expiresAt <= at) pending.delete(state);
      while (pending.size >= max) pending.delete(pending.keys().next().value!);
      const state = randomToken();
      const verifier = randomToken();
      pending.set(state, { verifier, expiresAt: at + ttlMs });
      return { state, verifier, challenge: pkceChallenge(verifier) };
    },
    finish(state) {
      const login = pending.get(state);
      pending.delete(state);
      return login !== undefined && login.expiresAt > now() ? login.verifier : undefined;
    },
  };
}

/** The `S256` challenge of a verifier: base64url of its SHA-256. */
export function pkceChallenge(verifier: string): string {
  return createHash("sha256").update(verifier).digest("base64url");
}
