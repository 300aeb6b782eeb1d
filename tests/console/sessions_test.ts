/**
 * The console's sealed sessions and OIDC login state: absolute and idle expiry on an injected
 * clock, cookie re-issue, sign-out ending every cookie of a session, forged and foreign cookies
 * refused, one use per login state, and the PKCE challenge of RFC 7636.
 */

import assert from "node:assert/strict";
import {
  createConsoleSessions,
  createPendingLogins,
  pkceChallenge,
  sameToken,
} from "../../lib/console/mod.ts";
import { createSessionSealer } from "../../lib/credentials/mod.ts";
import { localSessionPeers } from "../../lib/mcp/mod.ts";

function codec(now: () => number, sealer = createSessionSealer(undefined)) {
  return createConsoleSessions({
    sealer,
    ends: localSessionPeers(now),
    ttlMs: 1000,
    idleMs: 300,
    refreshMs: 100,
    now,
  });
}

Deno.test("createConsoleSessions() ends a session when idle or past its life, whichever is first", async () => {
  let now = Date.now();
  const start = now;
  const sessions = codec(() => now);
  const { cookie, session } = (await sessions.open("Bearer k", "ops"))!;
  assert.notEqual(session.csrf, session.id);
  assert.ok(!cookie.value.includes("Bearer k"), "the header is sealed, not in clear");
  assert.equal(cookie.maxAgeSeconds, 1);
  now = start + 50;
  assert.equal((await sessions.get(cookie.value))?.admin, "ops", "used within the idle time");
  assert.equal(await sessions.touch(cookie.value), undefined, "not re-issued within refreshMs");
  now = start + 250;
  const fresh = await sessions.touch(cookie.value);
  assert.ok(fresh, "re-issued: the idle deadline moves by 250 ms");
  now = start + 500;
  assert.equal(await sessions.get(cookie.value), undefined, "the old cookie: idle past 300 ms");
  assert.equal((await sessions.get(fresh.value))?.csrf, session.csrf, "the new one lives on");
  let value = fresh.value;
  for (now = start + 500; now < start + 1000; now += 200) {
    assert.ok(await sessions.get(value));
    value = (await sessions.touch(value))?.value ?? value;
  }
  now = start + 1000;
  assert.equal(await sessions.get(value), undefined, "past its absolute life");
});

Deno.test("createConsoleSessions(): close() ends a session for every cookie of it; forgeries fail", async () => {
  let now = Date.now();
  const sealer = createSessionSealer(undefined);
  const sessions = codec(() => now, sealer);
  const a = (await sessions.open("a", "a"))!;
  const b = (await sessions.open("b", "b"))!;
  now += 200;
  const b2 = (await sessions.touch(b.cookie.value))!;
  await sessions.close(b2.value);
  assert.equal(await sessions.get(b.cookie.value), undefined);
  assert.equal(await sessions.get(b2.value), undefined);
  assert.ok(await sessions.get(a.cookie.value), "another session lives on");
  const last = a.cookie.value.at(-2) === "A" ? "B" : "A";
  assert.equal(
    await sessions.get(`${a.cookie.value.slice(0, -2)}${last}${a.cookie.value.at(-1)}`),
    undefined,
  );
  const asSessionId = await sealer.open(a.cookie.value, { owner: '["key:x","default"]' });
  assert.equal(asSessionId, undefined, "a console cookie does not open as a 2025 session id");
  assert.ok(await sessions.open(`Bearer ${"x".repeat(2500)}`, "ops"), "a large JWT fits");
  assert.equal(
    await sessions.open(`Bearer ${"x".repeat(3000)}`, "ops"),
    undefined,
    "no session a browser would drop",
  );
  const otherKey = codec(() => now);
  assert.equal(await otherKey.get(a.cookie.value), undefined, "another key");
});

Deno.test("createPendingLogins() gives a state's verifier back once, and not after it expired", async () => {
  let now = Date.now();
  const sealer = createSessionSealer(undefined);
  const pending = createPendingLogins({
    sealer,
    ends: localSessionPeers(() => now),
    ttlMs: 100,
    now: () => now,
  });
  const login = await pending.begin();
  assert.ok(!login.cookie.includes(login.state), "state and verifier are sealed");
  assert.equal(await pending.finish(login.cookie, "unknown"), undefined, "another state");
  const again = createPendingLogins({ sealer, ends: localSessionPeers(() => now), now: () => now });
  const verifier = await again.finish(login.cookie, login.state);
  assert.equal(login.challenge, pkceChallenge(verifier!), "another instance finishes it");
  assert.equal(await again.finish(login.cookie, login.state), undefined, "one use");
  assert.equal(
    await sealer.open(login.cookie, { owner: "\u0000console" }),
    undefined,
    "a state cookie is no session cookie",
  );
  const late = await pending.begin();
  now += 100;
  assert.equal(await pending.finish(late.cookie, late.state), undefined, "expired");
});

Deno.test("pkceChallenge() is the S256 challenge of RFC 7636 appendix B", () => {
  assert.equal(
    pkceChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
    "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
  );
  assert.equal(sameToken("abc", "abc"), true);
  assert.equal(sameToken("abc", "abd"), false);
  assert.equal(sameToken("abc", "ab"), false);
});
