/**
 * The admin console's own parts: its static files (built from `ui/`, embedded) and its
 * server-side sessions. Its routes, and every response, are built in `lib/http/console.ts`.
 */

/** `CONSOLE_ASSETS`: the page, script and style sheet by path under `/console`. */
export { CONSOLE_ASSETS, type ConsoleAsset } from "./assets.ts";
/**
 * `createConsoleSessions()`: sessions sealed into the cookie under the master key (the sign-in
 * `Authorization` header, a CSRF token, absolute and idle expiry), any instance opens them;
 * sign-outs recorded where every instance sees them. `sameToken()` compares tokens. Raise nothing.
 */
export {
  type ConsoleCookie,
  type ConsoleSealer,
  type ConsoleSession,
  type ConsoleSessionEnds,
  type ConsoleSessionOptions,
  type ConsoleSessions,
  createConsoleSessions,
  sameToken,
} from "./sessions.ts";
/**
 * `createPendingLogins()`: OIDC sign-ins begun, `state` and PKCE verifier sealed in a cookie, each
 * finished once on any instance;
 * `pkceChallenge()`: a verifier's `S256` challenge. Raise nothing.
 */
export {
  createPendingLogins,
  type PendingLogin,
  type PendingLogins,
  pkceChallenge,
} from "./oidc.ts";
