/**
 * JWT verification against a real local OIDC stand-in (discovery, JWKS, rotating RSA keys) with
 * real signed tokens, and the forged ones the gateway must refuse.
 */

import assert from "node:assert/strict";
import { createJwtVerifier, type JwtOptions } from "../../lib/auth/mod.ts";
import { GatewayError } from "../../lib/errors.ts";
import { silentLogger } from "../../lib/log.ts";
import { startOidcProvider } from "../_support/oidc_provider.ts";

const AUDIENCE = "https://nexus.test/mcp";

function verifierFor(issuer: string, extra: Partial<JwtOptions> = {}) {
  return createJwtVerifier({
    issuer,
    audience: [AUDIENCE],
    algorithms: ["RS256", "ES256"],
    clockSkewSec: 30,
    clientClaim: "azp",
    groupsClaim: "groups",
    logger: silentLogger,
    ...extra,
  });
}

async function rejects(promise: Promise<unknown>, reason: RegExp): Promise<void> {
  await assert.rejects(promise, (error) => {
    assert.ok(error instanceof GatewayError, String(error));
    assert.equal(error.code, "UNAUTHENTICATED");
    assert.match(error.message, reason);
    return true;
  });
}

Deno.test("verify() accepts a valid token and maps its claims to a principal", async () => {
  await using idp = await startOidcProvider(AUDIENCE);
  const jwt = verifierFor(idp.issuer);
  const token = await idp.sign({ sub: "alice", azp: "support-bot", groups: ["support", "ops"] });
  const principal = await jwt.verify(token);
  assert.deepEqual(principal, {
    id: `jwt:${idp.issuer}#alice`,
    kind: "jwt",
    name: "support-bot",
    groups: ["support", "ops"],
  });
  assert.equal(idp.jwksFetches(), 1, "JWKS found through discovery and fetched once");
});

Deno.test("verify() reads nested group claims and space-separated groups", async () => {
  await using idp = await startOidcProvider(AUDIENCE);
  const nested = verifierFor(idp.issuer, { groupsClaim: "realm_access.roles" });
  const token = await idp.sign({ realm_access: { roles: ["admin"] } });
  assert.deepEqual((await nested.verify(token)).groups, ["admin"]);
  const spaced = verifierFor(idp.issuer, { groupsClaim: "scope", jwksUrl: idp.jwksUrl });
  assert.deepEqual((await spaced.verify(await idp.sign({ scope: "a b" }))).groups, ["a", "b"]);
});

Deno.test("verify() rejects an expired token, beyond the clock skew", async () => {
  await using idp = await startOidcProvider(AUDIENCE);
  const token = await idp.sign({}, { expiresInSec: 60 });
  let now = Date.now();
  const jwt = verifierFor(idp.issuer, { now: () => now });
  await jwt.verify(token);
  now += 60_000 + 29_000;
  await jwt.verify(token); // within the 30 s skew, from the verified-token cache
  now += 2_000;
  await rejects(jwt.verify(token), /expired/);
  const fresh = verifierFor(idp.issuer, { now: () => now });
  await rejects(fresh.verify(token), /token expired/);
});

Deno.test("verify() rejects a token issued for another audience", async () => {
  await using idp = await startOidcProvider(AUDIENCE);
  const token = await idp.sign({}, { audience: "https://other.example/mcp" });
  await rejects(verifierFor(idp.issuer).verify(token), /claim "aud"/);
});

Deno.test("verify() rejects a token from another issuer", async () => {
  await using idp = await startOidcProvider(AUDIENCE);
  const token = await idp.sign({}, { issuer: "https://evil.example" });
  await rejects(verifierFor(idp.issuer).verify(token), /claim "iss"/);
});

Deno.test("verify() rejects alg none without fetching any key", async () => {
  await using idp = await startOidcProvider(AUDIENCE);
  const jwt = verifierFor(idp.issuer);
  await rejects(jwt.verify(idp.unsigned({ azp: "intruder" })), /algorithm not allowed/);
  assert.equal(idp.jwksFetches(), 0);
});

Deno.test("verify() rejects an HMAC token keyed with the RSA public key", async () => {
  await using idp = await startOidcProvider(AUDIENCE);
  const jwt = verifierFor(idp.issuer);
  await jwt.verify(await idp.sign({})); // keys are cached, so the forged token meets them
  await rejects(jwt.verify(await idp.hmacWithPublicKey({})), /algorithm not allowed/);
});

Deno.test("verify() rejects a token with a tampered payload", async () => {
  await using idp = await startOidcProvider(AUDIENCE);
  const [header, , signature] = (await idp.sign({ azp: "a" })).split(".");
  const forged = `${header}.${btoa(JSON.stringify({ azp: "root" }))}.${signature}`;
  await rejects(verifierFor(idp.issuer).verify(forged), /signature|malformed|claim/);
});

Deno.test("an unknown kid triggers exactly one JWKS refresh, then the cooldown holds", async () => {
  await using idp = await startOidcProvider(AUDIENCE);
  let now = Date.now();
  const jwt = verifierFor(idp.issuer, { now: () => now });
  await jwt.verify(await idp.sign({ sub: "a" }));
  assert.equal(idp.jwksFetches(), 1);
  await idp.rotate();
  assert.equal((await jwt.verify(await idp.sign({ sub: "b" }))).id, `jwt:${idp.issuer}#b`);
  assert.equal(idp.jwksFetches(), 2, "one refresh for the rotated key");
  await idp.rotate({ publish: false });
  const unpublished = await idp.sign({ sub: "c" });
  await rejects(jwt.verify(unpublished), /no key matches/);
  assert.equal(idp.jwksFetches(), 2, "a second unknown kid within the cooldown fetches nothing");
  now += 31_000;
  await rejects(jwt.verify(await idp.sign({ sub: "d" })), /no key matches/);
  assert.equal(idp.jwksFetches(), 3, "after the cooldown one more refresh");
});

Deno.test("a verified token is remembered: the second check touches no key", async () => {
  await using idp = await startOidcProvider(AUDIENCE);
  const jwt = verifierFor(idp.issuer, { jwksUrl: idp.jwksUrl });
  const token = await idp.sign({});
  const first = await jwt.verify(token);
  assert.equal(await jwt.verify(token), first);
  assert.equal(jwt.jwks.fetches(), 1);
});

Deno.test("createJwtVerifier() refuses HMAC and none in the algorithm list", () => {
  for (const alg of ["HS256", "none"]) {
    assert.throws(
      () => verifierFor("https://idp.example", { algorithms: ["RS256", alg] }),
      (error) => error instanceof GatewayError && error.code === "INVALID_CONFIG",
    );
  }
});

Deno.test("an unreachable identity provider is UPSTREAM_UNAVAILABLE, not the client's fault", async () => {
  const jwt = verifierFor("http://127.0.0.1:9", { jwksUrl: "http://127.0.0.1:9/jwks" });
  await using idp = await startOidcProvider(AUDIENCE);
  await assert.rejects(
    jwt.verify(await idp.sign({}, { issuer: "http://127.0.0.1:9" })),
    (error) => error instanceof GatewayError && error.code === "UPSTREAM_UNAVAILABLE",
  );
});

Deno.test("verify() refuses an ID token (typ JWT, or no typ) and accepts typ at+jwt", async () => {
  await using idp = await startOidcProvider(AUDIENCE);
  const jwt = verifierFor(idp.issuer);
  const reason = /Invalid token: not an access token: header typ must be "at\+jwt"/;
  await rejects(jwt.verify(await idp.sign({ sub: "alice" }, { typ: "JWT" })), reason);
  await rejects(jwt.verify(await idp.sign({ sub: "alice" }, { typ: null })), reason);
  assert.equal((await jwt.verify(await idp.sign({ sub: "alice" }))).kind, "jwt");
  const long = await idp.sign({ sub: "bob" }, { typ: "application/at+jwt" });
  assert.equal((await jwt.verify(long)).id, `jwt:${idp.issuer}#bob`);
});

Deno.test("requireAtJwt: false accepts a token without typ at+jwt, for providers that omit it", async () => {
  await using idp = await startOidcProvider(AUDIENCE);
  const jwt = verifierFor(idp.issuer, { requireAtJwt: false });
  assert.equal(
    (await jwt.verify(await idp.sign({ sub: "a" }, { typ: "JWT" }))).name,
    "test-client",
  );
  assert.equal((await jwt.verify(await idp.sign({ sub: "b" }, { typ: null }))).name, "test-client");
});
