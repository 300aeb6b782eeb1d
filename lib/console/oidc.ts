/**
 * The console's OIDC sign-in state: PKCE pairs (RFC 7636, `S256`) and the logins begun and not
 * yet finished, for ten minutes. A login's `state` and verifier are sealed into the browser's
 * state cookie (the session sealer, its own owner), so the callback may land on any instance; a
 * finished `state` is recorded as used where sign-outs are (Redis with it), so it works once.
 */

import { createHash } from "node:crypto";
import { type ConsoleSealer, type ConsoleSessionEnds, randomToken, sameToken } from "./sessions.ts";

/** One login begun: what the browser is sent with, and what the callback needs back. */
export interface PendingLogin {
  /** The `state` parameter sent to the issuer. */
  state: string;
  /** Its `S256` challenge, sent to the authorization endpoint. */
  challenge: string;
  /** The state cookie's value: `state` and the PKCE verifier, sealed. */
  cookie: string;
}

/** The logins begun by any instance sharing the master key. */
export interface PendingLogins {
  /** Begins one. Raises nothing. */
  begin(): Promise<PendingLogin>;
  /**
   * The PKCE verifier of a login begun with `state` and sealed in `cookie`, not expired and not
   * finished before (it is marked finished), or undefined. Raises nothing.
   */
  finish(cookie: string, state: string): Promise<string | undefined>;
}

// Why another owner than the session cookie's: a state cookie never opens as a session.
const OWNER = "\u0000console-oidc";
const USED_PREFIX = "console-oidc:";

/** Creates the login state codec over `options.sealer`. Raises nothing. */
export function createPendingLogins(
  options: {
    sealer: ConsoleSealer;
    ends: ConsoleSessionEnds;
    ttlMs?: number;
    now?: () => number;
  },
): PendingLogins {
  const ttlMs = options.ttlMs ?? 600_000;
  const now = options.now ?? Date.now;
  const { sealer, ends } = options;
  return {
    async begin() {
      const state = randomToken();
      const verifier = randomToken();
      const cookie = await sealer.seal({ state, verifier }, {
        owner: OWNER,
        expiresAt: now() + ttlMs,
      });
      return { state, challenge: pkceChallenge(verifier), cookie };
    },
    async finish(cookie, state) {
      const sealed = await sealer.open(cookie, { owner: OWNER, now: now() });
      if (
        sealed === undefined || typeof sealed.state !== "string" ||
        typeof sealed.verifier !== "string" || typeof sealed.exp !== "number" ||
        !sameToken(sealed.state, state)
      ) {
        return undefined;
      }
      if (await ends.isRevoked(USED_PREFIX + state)) return undefined;
      await ends.revoke(USED_PREFIX + state, sealed.exp);
      return sealed.verifier;
    },
  };
}

/** The `S256` challenge of a verifier: base64url of its SHA-256. */
export function pkceChallenge(verifier: string): string {
  return createHash("sha256").update(verifier).digest("base64url");
}
