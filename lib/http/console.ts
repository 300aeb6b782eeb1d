/**
 * `/console`: the admin console's page and files (embedded, `lib/console/`), its sign-in and
 * sign-out, and `withConsoleSessions`, which lets `/admin` and `/metrics` accept the console's
 * session cookie besides an `Authorization` header.
 *
 * Sign-in posts an admin key as a form; it is checked by the same admin authentication as
 * `/admin` and sealed into the session cookie (`lib/console/sessions.ts`: encrypted under the
 * master key, so any instance opens it), `HttpOnly`, `SameSite=Strict` (`Secure` over TLS or
 * behind a proxy saying `https`); `withCookieRefresh` re-issues it as it is used (idle deadline). Every cookie-authenticated admin request must carry the session's CSRF token in
 * the `X-Nexus-CSRF` header, which a page of another origin can neither read nor send (a custom
 * header needs a CORS preflight nobody answers), and must not say `Sec-Fetch-Site: cross-site`
 * or `same-site`. Why both, and why GETs too: on loopback every `localhost` port passes the
 * Origin allowlist and counts as the same site for `SameSite`, so neither alone stops a page on
 * another local port.
 */

import { Hono } from "hono";
import type { Context } from "hono";
import {
  CONSOLE_ASSETS,
  type ConsoleSessions,
  type PendingLogins,
  sameToken,
} from "../console/mod.ts";
import { GatewayError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { AdminApp } from "./admin.ts";
import type { AppEnv, HttpApp } from "./app.ts";
import type { HttpAuth } from "./auth.ts";
import { apiErrorResponse } from "./responses.ts";
import { addOidcRoutes, type ConsoleOidc } from "./console_oidc.ts";

/** The session cookie's name. */
export const CONSOLE_COOKIE = "nexus_console";
/** The header carrying the session's CSRF token on every cookie-authenticated admin request. */
export const CSRF_HEADER = "x-nexus-csrf";

const MAX_FORM_BYTES = 8192;

/** Headers of every console response: a strict CSP, no framing, no sniffing, no referrer. */
export const CONSOLE_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; "),
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  // Why same-origin, not no-referrer: with no-referrer Chromium sends `Origin: null` on the
  // sign-in form post, which the Origin check refuses.
  "referrer-policy": "same-origin",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "cache-control": "no-cache",
};

/** What the console routes are built from. */
export interface ConsoleDeps {
  /** The admin authentication of `/admin` (without the cookie: sign-in takes a key). */
  auth: HttpAuth;
  /** The session codec (sealed cookies, sign-outs). */
  sessions: ConsoleSessions;
  /** OIDC logins begun (sealed state cookies); used only with `oidc`. */
  logins: PendingLogins;
  /** Where sign-ins and refused sign-ins are logged (never the key). */
  logger: Logger;
  /** OIDC sign-in (`/console/oidc/start`); absent: admin keys only. */
  oidc?: ConsoleOidc;
}

/** Builds the `/console` sub-app (mounted at `/console`). Raises nothing. */
export function createConsoleApp(deps: ConsoleDeps): HttpApp {
  const app = new Hono<{ Bindings: AppEnv }>();
  app.use("*", async (c, next) => {
    await next();
    for (const [name, value] of Object.entries(CONSOLE_HEADERS)) c.res.headers.set(name, value);
  });
  for (const [path, asset] of Object.entries(CONSOLE_ASSETS)) {
    app.get(path, (c) => c.body(asset.body, 200, { "content-type": asset.type }));
  }
  app.post("/login", (c) => signIn(c, deps));
  if (deps.oidc !== undefined) {
    addOidcRoutes(app, {
      ...deps,
      oidc: deps.oidc,
      pending: deps.logins,
      sessionCookie,
      ownOrigin,
    });
  }
  app.post("/logout", async (c) => {
    const value = cookieValue(c.req.raw, CONSOLE_COOKIE);
    const session = value === undefined ? undefined : await deps.sessions.get(value);
    if (value === undefined || session === undefined) return c.body(null, 204);
    const refused = checkCsrf(c.req.raw, session.csrf);
    if (refused) return apiErrorResponse(refused);
    await deps.sessions.close(value);
    c.header("set-cookie", sessionCookie(c.req.raw, "", 0));
    return c.body(null, 204);
  });
  app.get("/session", async (c) => {
    const value = cookieValue(c.req.raw, CONSOLE_COOKIE);
    const session = value === undefined ? undefined : await deps.sessions.get(value);
    // Why 200 when signed out: the page asks first thing, and a 401 would be a console error.
    if (value === undefined || session === undefined) {
      return c.json({ signedIn: false, oidc: deps.oidc !== undefined }, 200, {
        "cache-control": "no-store",
      });
    }
    const fresh = await deps.sessions.touch(value);
    if (fresh) c.header("set-cookie", sessionCookie(c.req.raw, fresh.value, fresh.maxAgeSeconds));
    return c.json({ signedIn: true, admin: session.admin, csrf: session.csrf }, 200, {
      "cache-control": "no-store",
    });
  });
  return app;
}

/** Checks the posted admin key; on success opens a session and sets its cookie. */
async function signIn(c: Context<{ Bindings: AppEnv }>, deps: ConsoleDeps): Promise<Response> {
  const request = c.req.raw;
  const foreign = checkSameOrigin(request);
  if (foreign) return apiErrorResponse(foreign);
  const length = Number(request.headers.get("content-length") ?? NaN);
  if (!(length <= MAX_FORM_BYTES)) {
    return apiErrorResponse(new GatewayError("PAYLOAD_TOO_LARGE", "Payload too large: sign-in"));
  }
  const key = new URLSearchParams(await request.text()).get("key")?.trim() ?? "";
  const authorization = `Bearer ${key}`;
  const probe = new Request(request.url, { headers: { authorization } });
  const addr = c.env?.remoteAddr;
  const address = addr !== undefined && "hostname" in addr ? addr.hostname : undefined;
  const admin = key === "" ? undefined : await deps.auth.adminPrincipal(probe, address);
  if (admin === undefined || admin instanceof Response) {
    await admin?.body?.cancel();
    return c.redirect("/console?signin=failed", 303);
  }
  const name = `${admin.name} (${admin.id})`;
  const opened = await deps.sessions.open(authorization, name);
  if (opened === undefined) {
    deps.logger.warn("Console sign-in refused: the key does not fit in a cookie", { admin: name });
    return c.redirect("/console?signin=failed", 303);
  }
  deps.logger.info("Console sign-in", { admin: name, address });
  c.header("set-cookie", sessionCookie(request, opened.cookie.value, opened.cookie.maxAgeSeconds));
  return c.redirect("/console", 303);
}

/**
 * The admin authentication of `/admin` and `/metrics`, also accepting the console's session
 * cookie: the session's sign-in header is authenticated again on every request (a revoked key
 * ends the session), after the CSRF checks. A request with an `Authorization` header is
 * authenticated by it alone. Raises nothing.
 */
export function withConsoleSessions(auth: HttpAuth, sessions: ConsoleSessions): HttpAuth {
  return {
    ...auth,
    async adminPrincipal(request, address) {
      const value = consoleCookie(request);
      if (value === undefined) return await auth.adminPrincipal(request, address);
      const session = await sessions.get(value);
      if (session === undefined) {
        return apiErrorResponse(
          new GatewayError("UNAUTHENTICATED", "Unauthenticated: console session ended, sign in"),
        );
      }
      const refused = checkCsrf(request, session.csrf);
      if (refused) return apiErrorResponse(refused);
      const probe = new Request(request.url, {
        headers: { authorization: session.authorization },
      });
      return await auth.adminPrincipal(probe, address);
    },
  };
}

/**
 * `app` (the `/admin` sub-app; the page calls nothing else) behind a middleware that re-issues the console's
 * session cookie with a later idle deadline on a request it authenticated (neither 401 nor 403),
 * at most once a minute per session (`ConsoleSessions.touch`). Raises nothing.
 */
export function withCookieRefresh(app: AdminApp, sessions: ConsoleSessions): AdminApp {
  const outer: AdminApp = new Hono();
  outer.use("*", async (c, next) => {
    await next();
    const value = consoleCookie(c.req.raw);
    if (value === undefined || c.res.status === 401 || c.res.status === 403) return;
    const fresh = await sessions.touch(value);
    if (fresh === undefined) return;
    // Why a copy: a sub-app may answer with a Response whose headers are immutable.
    c.res = new Response(c.res.body, c.res);
    c.res.headers.append("set-cookie", sessionCookie(c.req.raw, fresh.value, fresh.maxAgeSeconds));
  });
  outer.route("/", app);
  return outer;
}

/** The console cookie of a request authenticated by it (none when `Authorization` is sent). */
function consoleCookie(request: Request): string | undefined {
  return request.headers.has("authorization") ? undefined : cookieValue(request, CONSOLE_COOKIE);
}

/** `ORIGIN_FORBIDDEN` unless the request carries the session's token and is not cross-site. */
function checkCsrf(request: Request, csrf: string): GatewayError | undefined {
  const site = request.headers.get("sec-fetch-site");
  if (site !== null && site !== "same-origin") {
    return new GatewayError("ORIGIN_FORBIDDEN", `Forbidden: console request from ${site}`);
  }
  if (!sameToken(request.headers.get(CSRF_HEADER) ?? "", csrf)) {
    return new GatewayError("ORIGIN_FORBIDDEN", "Forbidden: missing or wrong CSRF token");
  }
  return undefined;
}

/**
 * `ORIGIN_FORBIDDEN` unless a form post comes from this very origin: `Origin` present and equal
 * to the request's own, and `Sec-Fetch-Site` (when sent) `same-origin`.
 */
function checkSameOrigin(request: Request): GatewayError | undefined {
  const site = request.headers.get("sec-fetch-site");
  const origin = request.headers.get("origin");
  const own = ownOrigin(request);
  if ((site !== null && site !== "same-origin") || origin === null || origin !== own) {
    return new GatewayError("ORIGIN_FORBIDDEN", `Forbidden: sign-in from ${origin ?? "nowhere"}`);
  }
  return undefined;
}

/** The origin the browser sees: `https` when the connection or a proxy (`X-Forwarded-Proto`) says so. */
function ownOrigin(request: Request): string {
  const url = new URL(request.url);
  const host = request.headers.get("host") ?? url.host;
  return `${isHttps(request) ? "https" : url.protocol.slice(0, -1)}://${host}`;
}

function isHttps(request: Request): boolean {
  if (new URL(request.url).protocol === "https:") return true;
  return request.headers.get("x-forwarded-proto")?.split(",")[0]?.trim() === "https";
}

function sessionCookie(request: Request, value: string, maxAgeSeconds: number): string {
  const secure = isHttps(request) ? "; Secure" : "";
  return `${CONSOLE_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`;
}

function cookieValue(request: Request, name: string): string | undefined {
  for (const part of (request.headers.get("cookie") ?? "").split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name && rest.length > 0) return rest.join("=");
  }
  return undefined;
}
