/**
 * No stickiness for the admin console: two gateway processes sharing the master key, the store and
 * a Redis prefix. A sign-in on A (the HTTP form post) gives a cookie and CSRF token that B accepts
 * for `GET /admin/clients` and a `POST` creating a client; a sign-out on B ends the session on A.
 * A tampered cookie, and a cookie from a gateway with another master key (same store and Redis),
 * are refused. An OIDC login begun on one instance (its state cookie) is finished on another, once.
 * The cluster helpers are in `tests/_support/cross_instance.ts`.
 */

import assert from "node:assert/strict";
import { createPendingLogins, pkceChallenge } from "../../lib/console/mod.ts";
import { createSessionSealer, generateMasterKey, loadKeyring } from "../../lib/credentials/mod.ts";
import { openSessionPeers } from "../../lib/gateway/session_peers.ts";
import { silentLogger } from "../../lib/log.ts";
import { Secret } from "../../lib/secret.ts";
import { createClientKey } from "../_support/auth_fixtures.ts";
import { type Gateway, startGateway } from "../_support/gateway.ts";
import { openTestRedis, redisTest, testPrefix, untilReady } from "../_support/redis.ts";
import { clusterEnv, sessionChannelReady } from "../_support/cross_instance.ts";

/** Signs in on `gateway` with the form post the page makes; returns the `name=value` cookie. */
async function signIn(gateway: Gateway, key: string): Promise<string> {
  const body = new URLSearchParams({ key }).toString();
  const response = await fetch(`${gateway.url}/console/login`, {
    method: "POST",
    redirect: "manual",
    headers: { origin: gateway.url, "content-type": "application/x-www-form-urlencoded" },
    body,
  });
  await response.body?.cancel();
  assert.equal(response.status, 303);
  assert.equal(response.headers.get("location"), "/console");
  const setCookie = response.headers.get("set-cookie") ?? "";
  assert.match(setCookie, /^nexus_console=[^;]+; Path=\/; HttpOnly; SameSite=Strict/);
  assert.ok(!setCookie.includes(key), "the admin key is sealed, not in the cookie in clear");
  return setCookie.split(";")[0]!;
}

async function csrfOf(gateway: Gateway, cookie: string): Promise<string | undefined> {
  const answer = await (await fetch(`${gateway.url}/console/session`, { headers: { cookie } }))
    .json();
  return answer.signedIn ? answer.csrf : undefined;
}

function admin(
  gateway: Gateway,
  path: string,
  session: { cookie: string; csrf: string },
  init: { method?: string; body?: unknown } = {},
): Promise<Response> {
  const headers: Record<string, string> = {
    cookie: session.cookie,
    "x-nexus-csrf": session.csrf,
    "sec-fetch-site": "same-origin",
  };
  if (init.body !== undefined) headers["content-type"] = "application/json";
  return fetch(`${gateway.url}/admin${path}`, {
    method: init.method ?? "GET",
    headers,
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
}

/** The cookie with one character of its sealed part changed. */
function tampered(cookie: string): string {
  const at = cookie.length - 2;
  return `${cookie.slice(0, at)}${cookie[at] === "A" ? "B" : "A"}${cookie.slice(at + 1)}`;
}

redisTest("console sessions: any instance serves them, sign-out anywhere ends them", async () => {
  const prefix = testPrefix("console");
  // Why: deletes what the gateways left under the prefix (the ended session's key) at the end.
  await using _cleanup = openTestRedis(prefix);
  const dataDir = await Deno.makeTempDir({ prefix: "nexus-e2e-console-cluster-" });
  try {
    const adminKey = await createClientKey("ops", { NEXUS_DATA_DIR: dataDir }, ["--admin"]);
    const env = clusterEnv({ prefix, dataDir });
    await using a = await startGateway({ env });
    await using b = await startGateway({ env });
    await using other = await startGateway({ env: clusterEnv({ prefix, dataDir }) });
    await sessionChannelReady(a);
    await sessionChannelReady(b);

    const cookie = await signIn(a, adminKey);
    const csrf = await csrfOf(b, cookie);
    assert.ok(csrf, "B opens the session A issued");
    assert.equal(csrf, await csrfOf(a, cookie), "one CSRF token, sealed in the cookie");
    const session = { cookie, csrf };

    const listed = await admin(b, "/clients", session);
    assert.equal(listed.status, 200);
    const names = (await listed.json()).clients.map((c: { name: string }) => c.name);
    assert.ok(names.includes("ops"), JSON.stringify(names));
    const created = await admin(b, "/clients", session, {
      method: "POST",
      body: { name: "made-on-b" },
    });
    assert.equal(created.status, 201, await created.clone().text());
    assert.match((await created.json()).key, /^nxk_/);
    const noToken = await admin(b, "/clients", { cookie, csrf: "" });
    assert.equal(noToken.status, 403, "the CSRF token is still required on B");
    await noToken.body?.cancel();

    for (
      const [what, gateway, value] of [
        ["a tampered cookie", a, tampered(cookie)],
        ["a cookie from a gateway with another master key", a, await signIn(other, adminKey)],
      ] as const
    ) {
      assert.equal(await csrfOf(gateway, value), undefined, what);
      const refused = await admin(gateway, "/clients", { cookie: value, csrf });
      assert.equal(refused.status, 401, what);
      await refused.body?.cancel();
    }

    const out = await fetch(`${b.url}/console/logout`, {
      method: "POST",
      headers: { cookie, "x-nexus-csrf": csrf },
    });
    assert.equal(out.status, 204);
    assert.match(out.headers.get("set-cookie") ?? "", /^nexus_console=; .*Max-Age=0/);
    const after = await admin(a, "/clients", session);
    assert.equal(after.status, 401, "signed out on B: refused on A");
    await after.body?.cancel();
    assert.equal(await csrfOf(a, cookie), undefined, "A reports the session signed out");
  } finally {
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
});

redisTest("console OIDC logins: begun on one instance, finished once on any", async () => {
  const prefix = testPrefix("console-oidc");
  await using redis = openTestRedis(prefix);
  await untilReady(redis);
  const masterKey = new Secret(generateMasterKey());
  const instance = async () => {
    const peers = openSessionPeers(redis, { prefix, logger: silentLogger });
    const sealer = createSessionSealer(await loadKeyring({ masterKey }));
    return { peers, logins: createPendingLogins({ sealer, ends: peers }) };
  };
  const a = await instance();
  const b = await instance();
  try {
    const login = await a.logins.begin();
    const verifier = await b.logins.finish(login.cookie, login.state);
    assert.ok(verifier, "B finishes the login A began");
    assert.equal(login.challenge, pkceChallenge(verifier));
    assert.equal(await a.logins.finish(login.cookie, login.state), undefined, "once, anywhere");
    const other = createPendingLogins({
      sealer: createSessionSealer(
        await loadKeyring({ masterKey: new Secret(generateMasterKey()) }),
      ),
      ends: a.peers,
    });
    const foreign = await other.begin();
    assert.equal(await a.logins.finish(foreign.cookie, foreign.state), undefined, "another key");
  } finally {
    a.peers.close();
    b.peers.close();
  }
});
