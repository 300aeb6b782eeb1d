/**
 * The anonymous-caller rule and how bearer tokens are told apart, for MCP and admin requests.
 */

import assert from "node:assert/strict";
import {
  createApiKeyVerifier,
  createAuthenticator,
  createJwtVerifier,
  issueApiKey,
} from "../../lib/auth/mod.ts";
import { GatewayError } from "../../lib/errors.ts";
import { silentLogger } from "../../lib/log.ts";

import { startOidcProvider } from "../_support/oidc_provider.ts";
import { openTestStore } from "../store/_stores.ts";

const AUDIENCE = "https://nexus.test/mcp";

function codeOf(code: string) {
  return (error: unknown) => error instanceof GatewayError && error.code === code;
}

Deno.test("with nothing configured, loopback callers are anonymous; elsewhere refused", async () => {
  await using store = await openTestStore("sqlite");
  const apiKeys = createApiKeyVerifier(store.apiKeys);
  const open = createAuthenticator({ apiKeys, anonymousAllowed: true });
  const principal = await open.authenticate(null, "127.0.0.1");
  assert.equal(principal.id, "anon:127.0.0.1");
  assert.equal((await open.authenticate("Bearer whatever", "127.0.0.1")).kind, "anonymous");
  assert.equal(await open.required(), false);
  const closed = createAuthenticator({ apiKeys, anonymousAllowed: false });
  await assert.rejects(closed.authenticate(null, "10.0.0.1"), codeOf("UNAUTHENTICATED"));
});

Deno.test("as soon as one client key exists, every MCP request must authenticate", async () => {
  await using store = await openTestStore("sqlite");
  const repo = store.apiKeys;
  const apiKeys = createApiKeyVerifier(repo, { cacheTtlMs: 0 });
  const auth = createAuthenticator({ apiKeys, anonymousAllowed: true });
  const { key } = await issueApiKey(repo, "first");
  assert.equal(await auth.required(), true);
  await assert.rejects(auth.authenticate(null, "127.0.0.1"), codeOf("UNAUTHENTICATED"));
  await assert.rejects(
    auth.authenticate("Basic dXNlcjpwdw==", undefined),
    codeOf("UNAUTHENTICATED"),
  );
  await assert.rejects(auth.authenticate("Bearer not-a-jwt", undefined), codeOf("UNAUTHENTICATED"));
  const principal = await auth.authenticate(`Bearer ${key.reveal()}`, "127.0.0.1");
  assert.equal(principal.name, "first");
  assert.equal(principal.address, "127.0.0.1");
});

Deno.test("admin requests need an admin key or the admin group; client keys are forbidden", async () => {
  await using store = await openTestStore("sqlite");
  await using idp = await startOidcProvider(AUDIENCE);
  const repo = store.apiKeys;
  const apiKeys = createApiKeyVerifier(repo, { cacheTtlMs: 0 });
  const jwt = createJwtVerifier({
    issuer: idp.issuer,
    audience: [AUDIENCE],
    algorithms: ["RS256"],
    clockSkewSec: 30,
    clientClaim: "azp",
    groupsClaim: "groups",
    logger: silentLogger,
  });
  const auth = createAuthenticator({
    apiKeys,
    jwt,
    adminGroup: "nexus-admins",
    anonymousAllowed: true,
  });
  const { key: client } = await issueApiKey(repo, "client");
  const { key: admin } = await issueApiKey(repo, "ops", { scope: "admin" });
  assert.equal((await auth.authenticateAdmin(`Bearer ${admin.reveal()}`)).name, "ops");
  await assert.rejects(auth.authenticateAdmin(null), codeOf("UNAUTHENTICATED"));
  await assert.rejects(
    auth.authenticateAdmin(`Bearer ${client.reveal()}`),
    codeOf("UNAUTHENTICATED"),
  );
  await assert.rejects(
    auth.authenticate(`Bearer ${admin.reveal()}`),
    codeOf("UNAUTHENTICATED"),
    "an admin key is not an MCP credential",
  );
  const member = await idp.sign({ azp: "console", groups: ["nexus-admins"] });
  assert.equal((await auth.authenticateAdmin(`Bearer ${member}`)).name, "console");
  const outsider = await idp.sign({ azp: "agent", groups: ["support"] });
  await assert.rejects(auth.authenticateAdmin(`Bearer ${outsider}`), codeOf("FORBIDDEN"));
  assert.equal((await auth.authenticate(`Bearer ${outsider}`)).name, "agent");
});

Deno.test("the admin API is never anonymous: without an admin key it names the command", async () => {
  await using store = await openTestStore("sqlite");
  const repo = store.apiKeys;
  const apiKeys = createApiKeyVerifier(repo, { cacheTtlMs: 0 });
  const auth = createAuthenticator({ apiKeys, anonymousAllowed: true });
  assert.equal((await auth.authenticate(null, "127.0.0.1")).kind, "anonymous", "MCP still is");
  await assert.rejects(
    auth.authenticateAdmin(null, "127.0.0.1"),
    (error) =>
      error instanceof GatewayError && error.code === "UNAUTHENTICATED" &&
      error.message.includes("nexus clients create NAME --admin"),
  );
  await issueApiKey(repo, "ops", { scope: "admin" });
  await assert.rejects(
    auth.authenticateAdmin(null, "127.0.0.1"),
    (error) =>
      error instanceof GatewayError && error.code === "UNAUTHENTICATED" &&
      !error.message.includes("--admin"),
  );
  const grouped = createAuthenticator({ apiKeys, adminGroup: "g", anonymousAllowed: true });
  await assert.rejects(grouped.authenticateAdmin(null), codeOf("UNAUTHENTICATED"));
});
