/**
 * The console's session store and OIDC login state: absolute and idle expiry on an injected
 * clock, the bound on sessions held, one use per login state, and the PKCE challenge of RFC 7636.
 */

import assert from "node:assert/strict";
import {
  createConsoleSessions,
  createPendingLogins,
  pkceChallenge,
  sameToken,
} from "../../lib/console/mod.ts";

Deno.test("createConsoleSessions() ends a session when idle or past its life, whichever is first", () => {
  let now = 0;
  const sessions = createConsoleSessions({ ttlMs: 1000, idleMs: 300, now: () => now });
  const { id, session } = sessions.open("Bearer k", "ops");
  assert.notEqual(session.csrf, id);
  assert.match(id, /^[\w-]{43}$/);
  now = 250;
  assert.equal(sessions.get(id)?.admin, "ops", "used within the idle time");
  now = 500;
  assert.ok(sessions.get(id), "the idle time restarted at the last use");
  now = 801;
  assert.equal(sessions.get(id), undefined, "idle for longer than 300 ms");
  const second = sessions.open("Bearer k", "ops").id;
  for (now = 900; now < 1900; now += 200) assert.ok(sessions.get(second));
  now = 1901;
  assert.equal(sessions.get(second), undefined, "past its absolute life");
});

Deno.test("createConsoleSessions() holds at most maxSessions, dropping the oldest; close() ends one", () => {
  const sessions = createConsoleSessions({ maxSessions: 2 });
  const a = sessions.open("a", "a").id;
  const b = sessions.open("b", "b").id;
  const c = sessions.open("c", "c").id;
  assert.equal(sessions.get(a), undefined);
  assert.ok(sessions.get(b) && sessions.get(c));
  sessions.close(b);
  assert.equal(sessions.get(b), undefined);
});

Deno.test("createPendingLogins() gives a state's verifier back once, and not after it expired", () => {
  let now = 0;
  const pending = createPendingLogins({ ttlMs: 100, now: () => now });
  const login = pending.begin();
  assert.equal(login.challenge, pkceChallenge(login.verifier));
  assert.equal(pending.finish("unknown"), undefined);
  assert.equal(pending.finish(login.state), login.verifier);
  assert.equal(pending.finish(login.state), undefined, "one use");
  const late = pending.begin();
  now = 100;
  assert.equal(pending.finish(late.state), undefined, "expired");
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
