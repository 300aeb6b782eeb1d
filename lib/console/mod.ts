/**
 * The admin console's own parts: its static files (built from `ui/`, embedded) and its
 * server-side sessions. Its routes, and every response, are built in `lib/http/console.ts`.
 */

/** `CONSOLE_ASSETS`: the page, script and style sheet by path under `/console`. */
export { CONSOLE_ASSETS, type ConsoleAsset } from "./assets.ts";
/**
 * `createConsoleSessions()`: the in-memory session store (id → the sign-in `Authorization` header
 * and a CSRF token) with absolute and idle expiry; `sameToken()` compares tokens. Raise nothing.
 */
export {
  type ConsoleSession,
  type ConsoleSessionOptions,
  type ConsoleSessions,
  createConsoleSessions,
  sameToken,
} from "./sessions.ts";
/**
 * `createPendingLogins()`: OIDC sign-ins begun and not finished, with their PKCE verifiers;
 * `pkceChallenge()`: a verifier's `S256` challenge. Raise nothing.
 */
export {
  createPendingLogins,
  type PendingLogin,
  type PendingLogins,
  pkceChallenge,
} from "./oidc.ts";
