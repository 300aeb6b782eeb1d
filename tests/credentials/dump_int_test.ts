/**
 * What an attacker with the database gets: a `pg_dump` of the test schema, and every file of the
 * embedded store's data directory (database, WAL), contain no secret in plaintext or base64.
 */

import assert from "node:assert/strict";
import { createVault, type Vault } from "../../lib/credentials/mod.ts";
import { startOAuthServer } from "../_support/oauth_server.ts";
import { openTestStore, storeTest, TEST_DATABASE_URL } from "../store/_stores.ts";
import { freshKeyring } from "./_keys.ts";

const SECRETS = {
  bearer: "tok-bearer-PLAIN-1234",
  apiKey: "key-api-PLAIN-5678",
  password: "pw-basic-PLAIN-9012",
  header: "hdr-svc-PLAIN-3456",
  clientSecret: "cs-oauth-PLAIN-7890",
};

async function storeEverything(vault: Vault, tokenUrl: string, refreshToken: string) {
  const actor = "t";
  await vault.set({ name: "b", kind: "bearer", settings: {}, secretText: SECRETS.bearer, actor });
  await vault.set({ name: "k", kind: "api_key", settings: {}, secretText: SECRETS.apiKey, actor });
  await vault.set({
    name: "p",
    kind: "basic",
    settings: { username: "alice" },
    secretText: SECRETS.password,
    actor,
  });
  await vault.set({
    name: "h",
    kind: "headers",
    settings: {},
    secretText: JSON.stringify({ "X-Key": SECRETS.header }),
    actor,
  });
  await vault.set({
    name: "r",
    kind: "oauth2_refresh_token",
    settings: { tokenUrl, clientId: "gw" },
    secretText: JSON.stringify({ refreshToken, clientSecret: SECRETS.clientSecret }),
    actor,
  });
  const resolved = await vault.resolve("r");
  const accessToken = resolved.auth.headers[0]![1].reveal().slice("Bearer ".length);
  await vault.rotate({ name: "b", secretText: `${SECRETS.bearer}-v2`, actor });
  return accessToken;
}

function assertNoSecret(haystack: string, secrets: string[], where: string): void {
  for (const secret of secrets) {
    for (const form of [secret, btoa(secret), encodeURIComponent(secret)]) {
      assert.ok(!haystack.includes(form), `${where} contains ${form}`);
    }
  }
  assert.ok(!haystack.includes(btoa(`alice:${SECRETS.password}`)), `${where} contains basic auth`);
}

Deno.test(
  storeTest("postgres", "a pg_dump of the schema contains no plaintext secret", async () => {
    const idp = startOAuthServer({ clientId: "gw", clientSecret: SECRETS.clientSecret });
    try {
      await using store = await openTestStore("postgres");
      const refreshToken = idp.issueRefreshToken();
      const vault = createVault({
        repo: store.credentials,
        keyring: (await freshKeyring()).keyring,
      });
      const accessToken = await storeEverything(vault, idp.tokenUrl, refreshToken);
      const output = await new Deno.Command("pg_dump", {
        args: [`--dbname=${TEST_DATABASE_URL}`, `--schema=${store.isolation}`, "--data-only"],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stderr = new TextDecoder().decode(output.stderr);
      assert.equal(output.code, 0, `pg_dump failed: ${stderr}`);
      const dump = new TextDecoder().decode(output.stdout);
      assert.match(dump, /COPY [\w."]*credential_versions/, "the dump holds the credential rows");
      assert.match(dump, /COPY [\w."]*credential_state/);
      const secrets = [
        ...Object.values(SECRETS),
        refreshToken,
        idp.newestRefreshToken()!,
        accessToken,
      ];
      assertNoSecret(dump, secrets, "pg_dump");
    } finally {
      await idp.close();
    }
  }),
);

Deno.test(
  storeTest("sqlite", "the embedded store's files contain no plaintext secret", async () => {
    const idp = startOAuthServer({ clientId: "gw", clientSecret: SECRETS.clientSecret });
    try {
      await using store = await openTestStore("sqlite");
      const refreshToken = idp.issueRefreshToken();
      const vault = createVault({
        repo: store.credentials,
        keyring: (await freshKeyring()).keyring,
      });
      const accessToken = await storeEverything(vault, idp.tokenUrl, refreshToken);
      const secrets = [
        ...Object.values(SECRETS),
        refreshToken,
        idp.newestRefreshToken()!,
        accessToken,
      ];
      let bytes = 0;
      for await (const entry of Deno.readDir(store.isolation)) {
        const content = await Deno.readFile(`${store.isolation}/${entry.name}`);
        bytes += content.length;
        // Why latin1: every byte maps to one char, so ASCII secrets are found wherever they sit.
        assertNoSecret(new TextDecoder("latin1").decode(content), secrets, entry.name);
      }
      assert.ok(bytes > 0, "no store files found");
    } finally {
      await idp.close();
    }
  }),
);
