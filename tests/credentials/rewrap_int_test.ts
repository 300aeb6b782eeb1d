/**
 * KEK rotation online: `rewrapAll()` re-wraps every data key (versions and OAuth state) under a new
 * KEK while another instance keeps resolving credentials; no call fails.
 */

import assert from "node:assert/strict";
import {
  addKeyToFile,
  createVault,
  generateMasterKey,
  loadKeyring,
} from "../../lib/credentials/mod.ts";
import { readHeader } from "../../lib/credentials/seal.ts";
import type { GatewayError } from "../../lib/errors.ts";
import { MIGRATIONS } from "../../lib/store/migrations.ts";
import { startOAuthServer } from "../_support/oauth_server.ts";
import { DIALECTS, execSql, openTestStore, storeTest } from "../store/_stores.ts";
import { keyringOf } from "./_keys.ts";
import { writeLegacyRows } from "./_legacy_seal.ts";

const CREDENTIALS = 20;

for (const dialect of DIALECTS) {
  Deno.test(storeTest(dialect, "rewrapAll() under concurrent calls loses no call", async () => {
    const idp = startOAuthServer({ clientId: "gw", clientSecret: "cs-1", expiresIn: 3600 });
    const dir = await Deno.makeTempDir();
    await using store = await openTestStore(dialect);
    const serving = await store.reopen();
    try {
      const keyFile = `${dir}/nexus.key`;
      await Deno.writeTextFile(keyFile, `1:${generateMasterKey()}\n`, { mode: 0o600 });
      const servingKeys = (await loadKeyring({ masterKeyFile: keyFile }))!;
      const setup = createVault({ repo: store.credentials, keyring: servingKeys });
      const names = Array.from({ length: CREDENTIALS }, (_, i) => `cred-${i}`);
      for (const name of names) {
        await setup.set({
          name,
          kind: "bearer",
          settings: {},
          secretText: `tok-${name}`,
          actor: "t",
        });
      }
      await setup.set({
        name: "rt",
        kind: "oauth2_refresh_token",
        settings: { tokenUrl: idp.tokenUrl, clientId: "gw" },
        secretText: JSON.stringify({ refreshToken: idp.issueRefreshToken(), clientSecret: "cs-1" }),
        actor: "t",
      });
      await setup.resolve("rt"); // writes the sealed token state
      names.push("rt");

      let rewrapDone = false;
      let calls = 0;
      let callsDuringRewrap = 0;
      const failures: unknown[] = [];
      const firstRound = Promise.withResolvers<void>();
      const load = (async () => {
        for (let round = 0; !rewrapDone || round < 3; round++) {
          // Fresh vaults: empty caches, so every call opens its blob from the store.
          const results = await Promise.allSettled(
            names.map((name) =>
              createVault({ repo: serving.credentials, keyring: servingKeys }).resolve(name)
            ),
          );
          for (const result of results) {
            if (result.status === "rejected") failures.push(result.reason);
          }
          calls += results.length;
          if (!rewrapDone) callsDuringRewrap += results.length;
          firstRound.resolve();
        }
      })();
      await firstRound.promise;
      assert.equal(await addKeyToFile(keyFile), 2);
      const adminKeys = (await loadKeyring({ masterKeyFile: keyFile }))!;
      const report = await createVault({ repo: store.credentials, keyring: adminKeys }).rewrapAll()
        .finally(() => rewrapDone = true);
      await load;
      assert.deepEqual(failures, [], `${failures.length} of ${calls} calls failed`);
      assert.ok(callsDuringRewrap > 0, "no call overlapped the re-wrap");
      assert.equal(report.kekVersion, 2);
      assert.equal(report.rewrapped + report.raced >= CREDENTIALS + 2, true);
      assert.deepEqual(report.inUse, [2]);
      assert.deepEqual(servingKeys.versions(), [1, 2], "the serving instance loaded the new key");
      // With the old key removed, everything still opens.
      const only2 = (await Deno.readTextFile(keyFile)).split("\n").filter((l) =>
        l.startsWith("2:")
      );
      await Deno.writeTextFile(keyFile, only2.join("\n"));
      const newKeys = (await loadKeyring({ masterKeyFile: keyFile }))!;
      const after = createVault({ repo: serving.credentials, keyring: newKeys });
      for (const name of names) await after.resolve(name);
      assert.equal(idp.grants("refresh_token"), 1, "the stored token state survived the re-wrap");
    } finally {
      await serving.close();
      await idp.close();
      await Deno.remove(dir, { recursive: true });
    }
  }));

  Deno.test(
    storeTest(
      dialect,
      "resealAll() after migration 002 re-seals format-1 rows in format 2, which then bind name and settings",
      async () => {
        await using store = await openTestStore(dialect, { migrate: false });
        const before = MIGRATIONS.filter((m) => m.id !== "002_credential_seal_format");
        await store.migrate({ migrations: before });
        const key = generateMasterKey();
        await writeLegacyRows(store, key);
        assert.deepEqual((await store.migrate()).applied, ["002_credential_seal_format"]);
        const keyring = await keyringOf(key);
        const vault = createVault({ repo: store.credentials, keyring });
        await assert.rejects(
          () => vault.resolve("legacy"),
          (e: GatewayError) => /credential "legacy" .*format 1.*nexus migrate/.test(e.message),
        );
        assert.equal((await store.credentials.listSealedBelowFormat(2, 10)).length, 3);

        assert.deepEqual(await vault.resealAll(), { resealed: 3, raced: 0, failed: 0 });
        assert.deepEqual(await store.credentials.listSealedBelowFormat(2, 10), []);
        const version = await store.credentials.getVersion("c-legacy", 1);
        assert.equal(version?.sealFormat, 2);
        assert.equal(readHeader(version!.sealed).format, 2);
        assert.equal((await store.credentials.readState("c-rt"))?.sealFormat, 2);
        const fresh = createVault({ repo: store.credentials, keyring });
        const bearer = (await fresh.resolve("legacy")).auth.headers[0]?.[1].reveal();
        assert.equal(bearer, "Bearer tok-legacy-123");
        const oauth = (await fresh.resolve("rt")).auth.headers[0]?.[1].reveal();
        assert.equal(oauth, "Bearer at-legacy", "the re-sealed OAuth state opens");
        assert.deepEqual(await vault.resealAll(), { resealed: 0, raced: 0, failed: 0 });

        await execSql(store, "UPDATE credentials SET name = 'renamed' WHERE name = 'legacy'");
        await assert.rejects(
          () => createVault({ repo: store.credentials, keyring }).resolve("renamed"),
          (e: GatewayError) => /the record was altered/.test(e.message),
        );
      },
    ),
  );
}
