/**
 * OAuth kinds against the token endpoint stand-in and real stores: client credentials cached
 * until shortly before expiry, refresh tokens rotated and persisted by one instance at a time.
 */

import assert from "node:assert/strict";
import { createVault } from "../../lib/credentials/mod.ts";
import { GatewayError } from "../../lib/errors.ts";
import { startOAuthServer } from "../_support/oauth_server.ts";
import { DIALECTS, openTestStore, storeTest } from "../store/_stores.ts";
import { freshKeyring, storedRefreshToken } from "./_keys.ts";

const CLIENT = { clientId: "nexus-gw", clientSecret: "cs-s3cret/+=" };

function bearerOf(auth: { headers: ReadonlyArray<readonly [string, { reveal(): string }]> }) {
  return auth.headers.find(([name]) => name === "authorization")?.[1].reveal();
}

for (const dialect of DIALECTS) {
  Deno.test(
    storeTest(
      dialect,
      "oauth2_client_credentials: one token until shortly before expiry, then a new one",
      async () => {
        let clock = 1_000_000;
        const idp = startOAuthServer({
          ...CLIENT,
          expiresIn: 300,
          now: () => clock,
        });
        try {
          await using store = await openTestStore(dialect);
          const { keyring } = await freshKeyring();
          const vault = createVault({ repo: store.credentials, keyring, now: () => clock });
          await vault.set({
            name: "cc",
            kind: "oauth2_client_credentials",
            settings: {
              tokenUrl: idp.tokenUrl,
              clientId: CLIENT.clientId,
              scopes: ["read", "write"],
              audience: "https://api",
            },
            secretText: CLIENT.clientSecret,
            actor: "t",
          });
          const [a, b] = await Promise.all([vault.resolve("cc"), vault.resolve("cc")]);
          assert.equal(idp.grants("client_credentials"), 1, "concurrent calls share one fetch");
          assert.equal(bearerOf(a.auth), bearerOf(b.auth));
          const [request] = idp.requests();
          assert.deepEqual(request!.form, {
            grant_type: "client_credentials",
            scope: "read write",
            audience: "https://api",
          });
          assert.equal(
            request!.authorization,
            `Basic ${btoa(`${CLIENT.clientId}:${encodeURIComponent(CLIENT.clientSecret)}`)}`,
          );
          clock += 269_000;
          assert.equal(bearerOf((await vault.resolve("cc")).auth), bearerOf(a.auth), "still fresh");
          clock += 2_000;
          assert.notEqual(
            bearerOf((await vault.resolve("cc")).auth),
            bearerOf(a.auth),
            "renewed 30 s early",
          );
          assert.equal(idp.grants("client_credentials"), 2);
          assert.match(await vault.test("cc"), /obtained a token valid for 300 s/);
          // The client secret and the token never show in metadata.
          const shown = JSON.stringify(await vault.show("cc"));
          assert.ok(!shown.includes(CLIENT.clientSecret) && !shown.includes("at-"));
        } finally {
          await idp.close();
        }
      },
    ),
  );

  Deno.test(
    storeTest(
      dialect,
      "oauth2_client_credentials: a refused client fails with the provider's error code, redacted",
      async () => {
        const idp = startOAuthServer(CLIENT);
        try {
          await using store = await openTestStore(dialect);
          const vault = createVault({
            repo: store.credentials,
            keyring: (await freshKeyring()).keyring,
          });
          await vault.set({
            name: "bad",
            kind: "oauth2_client_credentials",
            settings: {
              tokenUrl: idp.tokenUrl,
              clientId: CLIENT.clientId,
              authMethod: "client_secret_post",
            },
            secretText: "wrong-secret",
            actor: "t",
          });
          await assert.rejects(() => vault.resolve("bad"), (e: GatewayError) => {
            assert.equal(e.code, "UPSTREAM_ERROR");
            assert.match(
              e.message,
              /Token endpoint refused the client credentials: HTTP 401: invalid_client/,
            );
            assert.ok(!e.message.includes("127.0.0.1") && !e.message.includes("wrong-secret"));
            return true;
          });
          assert.deepEqual(
            idp.requests()[0]!.form.client_secret,
            "wrong-secret",
            "client_secret_post",
          );
        } finally {
          await idp.close();
        }
      },
    ),
  );

  Deno.test(
    storeTest(
      dialect,
      "oauth2_refresh_token: two instances refreshing at once spend the token once and store the newest",
      async () => {
        let clock = 1_000_000;
        const idp = startOAuthServer({
          ...CLIENT,
          expiresIn: 60,
          refreshDelayMs: 50,
          now: () => clock,
        });
        await using store = await openTestStore(dialect);
        const second = await store.reopen();
        try {
          const { keyring } = await freshKeyring();
          const options = {
            keyring,
            now: () => clock,
          };
          const one = createVault({ repo: store.credentials, ...options });
          const two = createVault({ repo: second.credentials, ...options });
          await one.set({
            name: "rt",
            kind: "oauth2_refresh_token",
            settings: { tokenUrl: idp.tokenUrl, clientId: CLIENT.clientId },
            secretText: JSON.stringify({
              refreshToken: idp.issueRefreshToken(),
              clientSecret: CLIENT.clientSecret,
            }),
            actor: "t",
          });
          const [a, b] = await Promise.all([one.resolve("rt"), two.resolve("rt")]);
          assert.equal(idp.grants("refresh_token"), 1, "one refresh across both instances");
          assert.equal(bearerOf(a.auth), bearerOf(b.auth));
          const stored = await storedRefreshToken(store.credentials, "rt", keyring);
          assert.equal(stored, idp.newestRefreshToken(), "the rotated refresh token is persisted");
          // Later refreshes use the rotated token (the consented one is spent and would be refused).
          for (let round = 0; round < 3; round++) {
            clock += 60_000;
            const [c, d] = await Promise.all([two.resolve("rt"), one.resolve("rt")]);
            assert.equal(bearerOf(c.auth), bearerOf(d.auth));
          }
          assert.equal(idp.grants("refresh_token"), 4);
          assert.equal(
            await storedRefreshToken(store.credentials, "rt", keyring),
            idp.newestRefreshToken(),
          );
          // A revoked access token: the 401 retry gets a new one.
          idp.revokeAccessTokens();
          const used = await one.resolve("rt");
          const renewed = await one.retryAfterUnauthorized(used);
          assert.ok(renewed !== undefined && bearerOf(renewed.auth) !== bearerOf(used.auth));
          assert.equal(idp.grants("refresh_token"), 5);
        } finally {
          await second.close();
          await idp.close();
        }
      },
    ),
  );
}
