/**
 * `/console` on an in-process gateway: the page's security headers, sign-in (same origin only,
 * admin keys only), and the session cookie's use on `/admin`: the CSRF header on every request,
 * cross-site fetches refused, sign-out ending the session, a revoked admin key ending it too; the
 * cookie re-issued as it is used (idle deadline).
 */

import assert from "node:assert/strict";
import { Hono } from "hono";
import { createConsoleSessions } from "../../lib/console/mod.ts";
import { createSessionSealer } from "../../lib/credentials/mod.ts";
import type { Gateway } from "../../lib/gateway/mod.ts";
import { type AdminApp, withCookieRefresh } from "../../lib/http/mod.ts";
import { localSessionPeers } from "../../lib/mcp/mod.ts";
import { openAdminGateway } from "./_admin_gateway.ts";

const ORIGIN = "http://127.0.0.1";

function send(gateway: Gateway, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("host", "127.0.0.1");
  return Promise.resolve(gateway.fetch(new Request(`${ORIGIN}${path}`, { ...init, headers })));
}

function signIn(gateway: Gateway, key: string, origin = ORIGIN): Promise<Response> {
  const body = new URLSearchParams({ key }).toString();
  return send(gateway, "/console/login", {
    method: "POST",
    headers: {
      origin,
      "content-type": "application/x-www-form-urlencoded",
      "content-length": String(body.length),
    },
    body,
  });
}

async function session(gateway: Gateway, key: string): Promise<{ cookie: string; csrf: string }> {
  const response = await signIn(gateway, key);
  assert.equal(response.status, 303);
  assert.equal(response.headers.get("location"), "/console");
  const setCookie = response.headers.get("set-cookie")!;
  assert.match(setCookie, /^nexus_console=[\w.-]{20,}; Path=\/; HttpOnly; SameSite=Strict/);
  assert.doesNotMatch(setCookie, /Secure/, "no Secure over plain HTTP");
  const cookie = setCookie.split(";")[0]!;
  const answer = await (await send(gateway, "/console/session", { headers: { cookie } })).json();
  assert.equal(answer.signedIn, true);
  return { cookie, csrf: answer.csrf };
}

Deno.test("console: strict headers, same-origin admin-key sign-in, CSRF on every admin request", async () => {
  await using env = await openAdminGateway("sqlite");
  const page = await send(env.gateway, "/console");
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<script type="module" src="\/console\/app.js">/);
  const csp = page.headers.get("content-security-policy")!;
  for (const part of ["default-src 'self'", "script-src 'self'", "frame-ancestors 'none'"]) {
    assert.ok(csp.includes(part), part);
  }
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.equal(page.headers.get("x-frame-options"), "DENY");
  assert.equal(page.headers.get("x-content-type-options"), "nosniff");

  const foreign = await signIn(env.gateway, env.adminKey, "http://127.0.0.1:9999");
  assert.equal(foreign.status, 403, "sign-in from another origin");
  assert.equal(foreign.headers.get("set-cookie"), null);
  const client = await env.clientKey("plain");
  const notAdmin = await signIn(env.gateway, client);
  assert.equal(notAdmin.headers.get("location"), "/console?signin=failed");
  assert.equal(notAdmin.headers.get("set-cookie"), null, "an MCP client key cannot sign in");

  const { cookie, csrf } = await session(env.gateway, env.adminKey);
  const noToken = await send(env.gateway, "/admin/clients", { headers: { cookie } });
  assert.equal(noToken.status, 403);
  const wrong = await send(env.gateway, "/admin/clients", {
    headers: { cookie, "x-nexus-csrf": `${csrf.slice(1)}x` },
  });
  assert.equal(wrong.status, 403);
  const crossSite = await send(env.gateway, "/admin/clients", {
    headers: { cookie, "x-nexus-csrf": csrf, "sec-fetch-site": "same-site" },
  });
  assert.equal(crossSite.status, 403, "another port of the same host is refused");
  const ok = await send(env.gateway, "/admin/clients", {
    headers: { cookie, "x-nexus-csrf": csrf, "sec-fetch-site": "same-origin" },
  });
  assert.equal(ok.status, 200);
  const metrics = await send(env.gateway, "/metrics", {
    headers: { cookie, "x-nexus-csrf": csrf },
  });
  assert.equal(metrics.status, 200, "/metrics takes the session too");
  await metrics.body?.cancel();

  const logout = await send(env.gateway, "/console/logout", {
    method: "POST",
    headers: { cookie, "x-nexus-csrf": csrf },
  });
  assert.equal(logout.status, 204);
  const after = await send(env.gateway, "/admin/clients", {
    headers: { cookie, "x-nexus-csrf": csrf },
  });
  assert.equal(after.status, 401, "the session ended");
});

Deno.test("console: revoking the admin key ends its sessions at once", async () => {
  await using env = await openAdminGateway("sqlite");
  const second = await env.admin("POST", "/clients", { name: "ops2", admin: true });
  const { key } = await second.json();
  const { cookie, csrf } = await session(env.gateway, key);
  const headers = { cookie, "x-nexus-csrf": csrf };
  assert.equal((await send(env.gateway, "/admin/clients", { headers })).status, 200);
  assert.equal((await env.admin("DELETE", "/clients/ops2")).status, 200);
  assert.equal((await send(env.gateway, "/admin/clients", { headers })).status, 401);
});

Deno.test("console: behind a proxy saying https the session cookie is Secure", async () => {
  await using env = await openAdminGateway("sqlite");
  const body = new URLSearchParams({ key: env.adminKey }).toString();
  const response = await send(env.gateway, "/console/login", {
    method: "POST",
    headers: {
      origin: "https://127.0.0.1",
      "x-forwarded-proto": "https",
      "content-type": "application/x-www-form-urlencoded",
      "content-length": String(body.length),
    },
    body,
  });
  assert.equal(response.status, 303);
  assert.match(response.headers.get("set-cookie")!, /; HttpOnly; SameSite=Strict; .*; Secure$/);
});

Deno.test("withCookieRefresh() re-issues the cookie of a request it authenticated, at most once a minute", async () => {
  let now = Date.now();
  const sessions = createConsoleSessions({
    sealer: createSessionSealer(undefined),
    ends: localSessionPeers(() => now),
    now: () => now,
  });
  const app: AdminApp = new Hono();
  app.get("/ok", (c) => c.text("ok"));
  app.get("/refused", (c) => c.text("no", 401));
  const refreshing = withCookieRefresh(app, sessions);
  const { cookie } = (await sessions.open("Bearer k", "ops"))!;
  const get = (path: string, headers: Record<string, string> = {}) =>
    refreshing.request(path, { headers: { cookie: `nexus_console=${cookie.value}`, ...headers } });
  now += 30_000;
  assert.equal((await get("/ok")).headers.get("set-cookie"), null, "within the minute");
  now += 40_000;
  assert.equal((await get("/refused")).headers.get("set-cookie"), null, "a refused request");
  assert.equal(
    (await get("/ok", { authorization: "Bearer k" })).headers.get("set-cookie"),
    null,
    "authenticated by its header, not the cookie",
  );
  const fresh = (await get("/ok")).headers.get("set-cookie") ?? "";
  assert.match(fresh, /^nexus_console=[\w.-]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+/);
  const value = fresh.slice("nexus_console=".length).split(";")[0]!;
  now += 29 * 60_000;
  assert.ok(await sessions.get(value), "the re-issued cookie's idle deadline moved");
  assert.equal(await sessions.get(cookie.value), undefined, "the first one's did not");
});
