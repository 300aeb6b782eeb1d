/**
 * Console sessions, held server-side in this instance's memory: a random session id (the cookie)
 * maps to the `Authorization` header the operator signed in with and a per-session CSRF token.
 *
 * Why the header and not a principal: every request the console makes is authenticated again
 * through the same admin authentication as `/admin` with that header, so a revoked admin key or
 * an expired OIDC token ends the session at once, and the console holds no authority of its own.
 * Why memory: nothing of the session leaves the process; the cost is that a session is valid on
 * the instance that issued it only (sticky routing for `/console` and `/admin` behind a balancer).
 */

/** One signed-in operator. */
export interface ConsoleSession {
  /** The `Authorization` header value the operator signed in with (never sent to the browser). */
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

/** The session store. */
export interface ConsoleSessions {
  /** Opens a session; returns its id (the cookie value) and the session. */
  open(authorization: string, admin: string): { id: string; session: ConsoleSession };
  /** The live session behind a cookie value (extending its idle deadline), or undefined. */
  get(id: string): ConsoleSession | undefined;
  /** Ends a session; unknown ids are ignored. */
  close(id: string): void;
}

/** Options of `createConsoleSessions`. */
export interface ConsoleSessionOptions {
  /** Longest life of a session (default 8 hours). */
  ttlMs?: number;
  /** Life of an unused session (default 30 minutes). */
  idleMs?: number;
  /** Most sessions held at once; the oldest is dropped past it (default 1000). */
  maxSessions?: number;
  /** The clock (tests). */
  now?: () => number;
}

/** Creates an in-memory session store. Raises nothing. */
export function createConsoleSessions(options: ConsoleSessionOptions = {}): ConsoleSessions {
  const ttlMs = options.ttlMs ?? 8 * 3600_000;
  const idleMs = options.idleMs ?? 30 * 60_000;
  const maxSessions = options.maxSessions ?? 1000;
  const now = options.now ?? Date.now;
  const sessions = new Map<string, ConsoleSession>();
  return {
    open(authorization, admin) {
      const at = now();
      for (const [id, session] of sessions) if (!alive(session, at)) sessions.delete(id);
      while (sessions.size >= maxSessions) sessions.delete(sessions.keys().next().value!);
      const id = randomToken();
      const session = {
        authorization,
        csrf: randomToken(),
        admin,
        expiresAt: at + ttlMs,
        idleUntil: at + idleMs,
      };
      sessions.set(id, session);
      return { id, session };
    },
    get(id) {
      const session = sessions.get(id);
      if (session === undefined) return undefined;
      const at = now();
      if (!alive(session, at)) {
        sessions.delete(id);
        return undefined;
      }
      session.idleUntil = Math.min(session.expiresAt, at + idleMs);
      return session;
    },
    close(id) {
      sessions.delete(id);
    },
  };
}

function alive(session: ConsoleSession, at: number): boolean {
  return at < session.expiresAt && at < session.idleUntil;
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
