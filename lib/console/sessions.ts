/**
 * Console sessions held by nobody: the session cookie is the session, sealed (AES-256-GCM under a
 * key derived from the master key, `lib/credentials/session_seal.ts`) with the `Authorization`
 * header the operator signed in with, a per-session CSRF token, the admin's name, the absolute
 * expiry and the idle deadline. Every instance sharing the master key opens a cookie any other
 * issued, so `/console` and `/admin` need no sticky routing. Sign-out records the session's random
 * id as ended (Redis with it, this process's memory without), until the session's absolute expiry.
 *
 * Why the header and not a principal: every request the console makes is authenticated again
 * through the same admin authentication as `/admin` with that header, so a revoked admin key or
 * an expired OIDC token ends the session at once, and the console holds no authority of its own.
 * Why the idle deadline in the sealed value: it moves only by re-issuing the cookie, which `touch`
 * does at most once per `refreshMs` (a minute), so a busy console does not re-seal on every call.
 */

/** One signed-in operator. */
export interface ConsoleSession {
  /** The session's random id: what sign-out records as ended. */
  id: string;
  /** The `Authorization` header value the operator signed in with (sealed, never in clear). */
  authorization: string;
  /** The double-submit token every `/admin` request of this session must carry in a header. */
  csrf: string;
  /** Who signed in, for the page (`ops (key:ab12…)`). */
  admin: string;
  /** Absolute end of the session, ms since the epoch. */
  expiresAt: number;
  /** End of the session unless it is used again before, ms since the epoch. */
  idleUntil: number;
}

/** A cookie value and how long the browser should keep it. */
export interface ConsoleCookie {
  /** The sealed session: the cookie's value. */
  value: string;
  /** The cookie's `Max-Age` in seconds: the session's remaining absolute life. */
  maxAgeSeconds: number;
}

/** The session codec. */
export interface ConsoleSessions {
  /**
   * Opens a session; returns its cookie and the session, or undefined when the sealed session
   * would not fit in a cookie (an `Authorization` value of more than about 2.5 KB). Raises nothing.
   */
  open(
    authorization: string,
    admin: string,
  ): Promise<{ cookie: ConsoleCookie; session: ConsoleSession } | undefined>;
  /** The live session sealed in a cookie value, or undefined (forged, expired, ended). */
  get(value: string): Promise<ConsoleSession | undefined>;
  /**
   * The cookie re-issued with a later idle deadline, when `value` opens and its deadline would move
   * by at least `refreshMs`; otherwise undefined. Does not check sign-out (callers authenticated
   * the request with `get` first). Raises nothing.
   */
  touch(value: string): Promise<ConsoleCookie | undefined>;
  /** Ends the session sealed in `value` on every instance; anything else is ignored. */
  close(value: string): Promise<void>;
}

/** The sealer's shape (`SessionSealer` of `lib/credentials/`), named here to keep imports down. */
export interface ConsoleSealer {
  /** Seals `state` for `owner` until `expiresAt`. */
  seal(
    state: Record<string, unknown>,
    options: { owner: string; expiresAt: number },
  ): Promise<string>;
  /** The state sealed for `owner`, or undefined (malformed, tampered, another key or owner, expired). */
  open(
    value: string,
    options: { owner: string; now?: number },
  ): Promise<Record<string, unknown> | undefined>;
}

/** Where ended sessions are recorded (`SessionPeers` of `lib/mcp/` fits). */
export interface ConsoleSessionEnds {
  /** Records `id` as ended until `untilMs`. */
  revoke(id: string, untilMs: number): Promise<void>;
  /** Whether `id` ended. */
  isRevoked(id: string): Promise<boolean>;
}

/** Options of `createConsoleSessions`. */
export interface ConsoleSessionOptions {
  /** Seals and opens cookie values (the master key's session sealer). */
  sealer: ConsoleSealer;
  /** Where sign-outs are recorded (shared through Redis when instances share one). */
  ends: ConsoleSessionEnds;
  /** Longest life of a session (default 8 hours). */
  ttlMs?: number;
  /** Life of an unused session (default 30 minutes). */
  idleMs?: number;
  /** Least move of the idle deadline that re-issues the cookie (default 1 minute). */
  refreshMs?: number;
  /** The clock (tests). */
  now?: () => number;
}

// Why a NUL in the owner: a 2025 session's owner is a JSON array (`lib/mcp/service.ts`), which
// never holds a raw NUL, so a console cookie never opens as a session id and the reverse.
const OWNER = "\u0000console";
// Why a prefix on the ended id: the record shares the 2025 sessions' key space.
const ENDED_PREFIX = "console:";
// Why: browsers keep cookies up to 4096 bytes, name included; a longer one is dropped silently.
const MAX_COOKIE_CHARS = 4000;

/** Creates the session codec over `options.sealer`. Raises nothing. */
export function createConsoleSessions(options: ConsoleSessionOptions): ConsoleSessions {
  const ttlMs = options.ttlMs ?? 8 * 3600_000;
  const idleMs = options.idleMs ?? 30 * 60_000;
  const refreshMs = options.refreshMs ?? 60_000;
  const now = options.now ?? Date.now;
  const { sealer, ends } = options;
  async function seal(session: ConsoleSession, at: number): Promise<ConsoleCookie> {
    const { id, authorization, csrf, admin, expiresAt, idleUntil } = session;
    const value = await sealer.seal(
      { id, authorization, csrf, admin, expiresAt, idleUntil },
      { owner: OWNER, expiresAt: idleUntil },
    );
    return { value, maxAgeSeconds: Math.max(1, Math.ceil((expiresAt - at) / 1000)) };
  }
  async function unseal(value: string, at: number): Promise<ConsoleSession | undefined> {
    const state = await sealer.open(value, { owner: OWNER, now: at });
    const session = state === undefined ? undefined : asSession(state);
    return session !== undefined && at < session.expiresAt && at < session.idleUntil
      ? session
      : undefined;
  }
  return {
    async open(authorization, admin) {
      const at = now();
      const session = {
        id: randomToken(),
        authorization,
        csrf: randomToken(),
        admin,
        expiresAt: at + ttlMs,
        idleUntil: Math.min(at + ttlMs, at + idleMs),
      };
      const cookie = await seal(session, at);
      return cookie.value.length > MAX_COOKIE_CHARS ? undefined : { cookie, session };
    },
    async get(value) {
      const session = await unseal(value, now());
      if (session === undefined) return undefined;
      return await ends.isRevoked(ENDED_PREFIX + session.id) ? undefined : session;
    },
    async touch(value) {
      const at = now();
      const session = await unseal(value, at);
      if (session === undefined) return undefined;
      const idleUntil = Math.min(session.expiresAt, at + idleMs);
      if (idleUntil - session.idleUntil < refreshMs) return undefined;
      return await seal({ ...session, idleUntil }, at);
    },
    async close(value) {
      const session = await unseal(value, now());
      if (session === undefined) return;
      await ends.revoke(ENDED_PREFIX + session.id, session.expiresAt);
    },
  };
}

function asSession(state: Record<string, unknown>): ConsoleSession | undefined {
  const { id, authorization, csrf, admin, expiresAt, idleUntil } = state;
  if (
    typeof id !== "string" || typeof authorization !== "string" || typeof csrf !== "string" ||
    typeof admin !== "string" || typeof expiresAt !== "number" || typeof idleUntil !== "number"
  ) {
    return undefined;
  }
  return { id, authorization, csrf, admin, expiresAt, idleUntil };
}

/** 32 random bytes, base64url: a session id or CSRF token nobody can guess. */
export function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(
    /=+$/,
    "",
  );
}

/** Compares two tokens in time independent of where they differ. */
export function sameToken(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
