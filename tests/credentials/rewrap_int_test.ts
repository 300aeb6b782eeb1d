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
import { startOAuthServer } from "../_support/oauth_server.ts";
import { DIALECTS, openTestStore, storeTest } from "../store/_stores.ts";

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
}
