/**
 * The console's OIDC sign-in: `GET /console/oidc/start` sends the browser to the issuer's
 * authorization endpoint (authorization code, PKCE `S256`, the `state` and verifier sealed in a
 * short-lived cookie of this browser, so any instance takes the callback); `GET /console/oidc/callback` checks the state, exchanges the code for an
 * access token and signs the operator in only when that token passes the admin authentication of
 * `/admin` (a JWT of this issuer and audience carrying the admin group). The session then holds the
 * token, so the session ends when the token expires.
 */

import type { Context, Hono } from "hono";
import type { ConsoleSessions, PendingLogins } from "../console/mod.ts";
import type { Logger } from "../log.ts";
import type { AppEnv } from "./app.ts";
import type { HttpAuth } from "./auth.ts";

/** The OIDC client the console is. */
export interface ConsoleOidc {
  /** The issuer (`NEXUS_AUTH_ISSUER`); its discovery document names the endpoints. */
  issuer: string;
  /** The console's client id at the issuer (a public client: PKCE, no secret). */
  clientId: string;
  /** Scopes asked for (default `openid`). */
  scope?: string;
  /** Fetch for discovery and the token exchange (default `globalThis.fetch`). */
  fetch?: typeof fetch;
}

/** What the OIDC routes need. */
export interface ConsoleOidcDeps {
  oidc: ConsoleOidc;
  auth: HttpAuth;
  sessions: ConsoleSessions;
  pending: PendingLogins;
  logger: Logger;
  /** Sets the session cookie on a response (shared with the key sign-in). */
  sessionCookie: (request: Request, value: string, maxAgeSeconds: number) => string;
  /** The origin the browser sees for a request. */
  ownOrigin: (request: Request) => string;
}

const STATE_COOKIE = "nexus_console_oidc";
const FAILED = "/console?signin=failed";

type Endpoints = { authorization: string; token: string };

/** Adds the two routes to the console app. Raises nothing; failures send the browser back. */
export function addOidcRoutes(app: Hono<{ Bindings: AppEnv }>, deps: ConsoleOidcDeps): void {
  const doFetch = deps.oidc.fetch ?? fetch;
  let endpoints: Promise<Endpoints> | undefined;
  const discover = () => {
    endpoints ??= discoverEndpoints(deps.oidc.issuer, doFetch).catch((error) => {
      endpoints = undefined;
      throw error;
    });
    return endpoints;
  };
  app.get("/oidc/start", async (c) => {
    let found: Endpoints;
    try {
      found = await discover();
    } catch (error) {
      deps.logger.warn("Console OIDC sign-in: cannot read the issuer's endpoints", { error });
      return c.redirect(FAILED, 303);
    }
    const login = await deps.pending.begin();
    const target = new URL(found.authorization);
    for (
      const [name, value] of Object.entries({
        response_type: "code",
        client_id: deps.oidc.clientId,
        redirect_uri: callbackUrl(c.req.raw, deps),
        scope: deps.oidc.scope ?? "openid",
        state: login.state,
        code_challenge: login.challenge,
        code_challenge_method: "S256",
      })
    ) target.searchParams.set(name, value);
    // Why Lax: the callback is a top-level navigation from the issuer's site, which a Strict
    // cookie would not accompany; the cookie only names the login this browser began.
    c.header(
      "set-cookie",
      `${STATE_COOKIE}=${login.cookie}; Path=/console/oidc; HttpOnly; SameSite=Lax; Max-Age=600`,
    );
    return c.redirect(target.href, 303);
  });
  app.get("/oidc/callback", (c) => finishLogin(c, deps, discover, doFetch));
}

async function finishLogin(
  c: Context<{ Bindings: AppEnv }>,
  deps: ConsoleOidcDeps,
  discover: () => Promise<Endpoints>,
  doFetch: typeof fetch,
): Promise<Response> {
  const request = c.req.raw;
  const params = new URL(request.url).searchParams;
  const state = params.get("state") ?? "";
  const code = params.get("code");
  c.header("set-cookie", `${STATE_COOKIE}=; Path=/console/oidc; HttpOnly; SameSite=Lax; Max-Age=0`);
  // Why the cookie: a callback this browser did not begin (login CSRF) has no matching state.
  const sealed = stateCookie(request);
  const verifier = state !== "" && sealed !== undefined
    ? await deps.pending.finish(sealed, state)
    : undefined;
  if (verifier === undefined || code === null) return refuse(c, deps, "unknown or expired state");
  let token: string;
  try {
    token = await exchangeCode((await discover()).token, {
      code,
      verifier,
      clientId: deps.oidc.clientId,
      redirectUri: callbackUrl(request, deps),
    }, doFetch);
  } catch (error) {
    return refuse(c, deps, (error as Error).message);
  }
  const authorization = `Bearer ${token}`;
  const addr = c.env?.remoteAddr;
  const address = addr !== undefined && "hostname" in addr ? addr.hostname : undefined;
  const admin = await deps.auth.adminPrincipal(
    new Request(request.url, { headers: { authorization } }),
    address,
  );
  if (admin instanceof Response) {
    await admin.body?.cancel();
    return refuse(c, deps, "the token does not open /admin (admin group missing?)");
  }
  const name = `${admin.name} (${admin.id})`;
  const opened = await deps.sessions.open(authorization, name);
  if (opened === undefined) return refuse(c, deps, "the access token does not fit in a cookie");
  const { cookie } = opened;
  deps.logger.info("Console sign-in", { admin: name, address, via: "oidc" });
  c.header("set-cookie", deps.sessionCookie(request, cookie.value, cookie.maxAgeSeconds), {
    append: true,
  });
  return c.redirect("/console", 303);
}

function refuse(c: Context, deps: ConsoleOidcDeps, reason: string): Response {
  deps.logger.warn("Console OIDC sign-in refused", { reason });
  return c.redirect(FAILED, 303);
}

function callbackUrl(request: Request, deps: ConsoleOidcDeps): string {
  return `${deps.ownOrigin(request)}/console/oidc/callback`;
}

function stateCookie(request: Request): string | undefined {
  for (const part of (request.headers.get("cookie") ?? "").split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === STATE_COOKIE) return rest.join("=");
  }
  return undefined;
}

async function discoverEndpoints(issuer: string, doFetch: typeof fetch): Promise<Endpoints> {
  const url = `${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`;
  const response = await doFetch(url, { signal: AbortSignal.timeout(5000) });
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`HTTP ${response.status} from ${url}`);
  }
  const doc = await response.json();
  if (doc?.issuer !== issuer) throw new Error(`${url} names issuer ${String(doc?.issuer)}`);
  if (typeof doc.authorization_endpoint !== "string" || typeof doc.token_endpoint !== "string") {
    throw new Error(`${url} has no authorization_endpoint or token_endpoint`);
  }
  return { authorization: doc.authorization_endpoint, token: doc.token_endpoint };
}

async function exchangeCode(
  tokenUrl: string,
  grant: { code: string; verifier: string; clientId: string; redirectUri: string },
  doFetch: typeof fetch,
): Promise<string> {
  const response = await doFetch(tokenUrl, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code: grant.code,
      redirect_uri: grant.redirectUri,
      client_id: grant.clientId,
      code_verifier: grant.verifier,
    }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok || typeof body.access_token !== "string") {
    throw new Error(`Token endpoint answered ${response.status} ${String(body.error ?? "")}`);
  }
  return body.access_token;
}
