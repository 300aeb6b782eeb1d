/**
 * API keys on both stores: issued once, stored as a hash, verified, revoked, expired, scoped.
 */

import assert from "node:assert/strict";
import { createApiKeyVerifier, issueApiKey } from "../../lib/auth/mod.ts";
import { GatewayError } from "../../lib/errors.ts";

import { DIALECTS, openTestStore, storeTest } from "../store/_stores.ts";

function isUnauthenticated(error: unknown): boolean {
  return error instanceof GatewayError && error.code === "UNAUTHENTICATED";
}

for (const dialect of DIALECTS) {
  Deno.test(storeTest(dialect, "an issued key verifies, and only its hash is stored", async () => {
    await using store = await openTestStore(dialect);
    const repo = store.apiKeys;
    const { key, row } = await issueApiKey(repo, "support-bot", {
      tools: ["jira_*"],
      groups: ["support"],
    });
    assert.match(key.reveal(), /^nxk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    assert.equal(JSON.stringify(key), '"[redacted]"');
    const stored = await repo.find(row.keyId);
    assert.ok(stored);
    assert.ok(!JSON.stringify(stored).includes(key.reveal().slice(21)), "secret not stored");
    assert.match(stored.hash, /^[0-9a-f]{64}$/);
    const verifier = createApiKeyVerifier(repo);
    assert.deepEqual(await verifier.verify(key.reveal(), "mcp"), {
      id: `key:${row.keyId}`,
      kind: "api_key",
      name: "support-bot",
      groups: ["support"],
      tools: ["jira_*"],
    });
    assert.equal(await verifier.anyActive("mcp"), true);
    assert.equal(await verifier.anyActive("admin"), false);
  }));

  Deno.test(
    storeTest(
      dialect,
      "a wrong secret, a made-up id and an admin key on MCP are refused alike",
      async () => {
        await using store = await openTestStore(dialect);
        const repo = store.apiKeys;
        const { key } = await issueApiKey(repo, "a");
        const { key: admin } = await issueApiKey(repo, "ops", { scope: "admin" });
        const verifier = createApiKeyVerifier(repo);
        const wrongSecret = key.reveal().slice(0, -4) + "AAAA";
        const madeUp = `nxk_${"0".repeat(16)}_${"A".repeat(43)}`;
        for (const token of [wrongSecret, madeUp, admin.reveal(), "nxk_short"]) {
          await assert.rejects(verifier.verify(token, "mcp"), (error) => {
            assert.ok(isUnauthenticated(error));
            assert.equal((error as Error).message, "Invalid API key");
            return true;
          });
        }
        assert.equal((await verifier.verify(admin.reveal(), "admin")).name, "ops");
      },
    ),
  );

  Deno.test(
    storeTest(
      dialect,
      "a revoked key is refused once the cache time passes, or at once after forget()",
      async () => {
        await using store = await openTestStore(dialect);
        const repo = store.apiKeys;
        const { key } = await issueApiKey(repo, "temp");
        let now = 1_000_000;
        const verifier = createApiKeyVerifier(repo, { now: () => now, cacheTtlMs: 2000 });
        await verifier.verify(key.reveal(), "mcp");
        assert.equal(await repo.revoke("temp", now), 1);
        assert.equal(await repo.revoke("temp", now), 0, "already revoked");
        await verifier.verify(key.reveal(), "mcp"); // still cached
        now += 2000;
        await assert.rejects(verifier.verify(key.reveal(), "mcp"), isUnauthenticated);
        assert.equal(await verifier.anyActive("mcp"), false);
        const { key: again } = await issueApiKey(repo, "temp");
        verifier.forget();
        await verifier.verify(again.reveal(), "mcp");
        await assert.rejects(verifier.verify(key.reveal(), "mcp"), isUnauthenticated);
      },
    ),
  );

  Deno.test(storeTest(dialect, "an expired key is refused and not counted active", async () => {
    await using store = await openTestStore(dialect);
    const repo = store.apiKeys;
    const { key } = await issueApiKey(repo, "short", { expiresAt: 5000, now: 1000 });
    let now = 4000;
    const verifier = createApiKeyVerifier(repo, { now: () => now, cacheTtlMs: 0 });
    await verifier.verify(key.reveal(), "mcp");
    now = 5000;
    await assert.rejects(verifier.verify(key.reveal(), "mcp"), /expired/);
    assert.equal(await verifier.anyActive("mcp"), false);
  }));

  Deno.test(
    storeTest(dialect, "issueApiKey() refuses a taken name and a malformed one", async () => {
      await using store = await openTestStore(dialect);
      const repo = store.apiKeys;
      await issueApiKey(repo, "dup");
      await assert.rejects(
        issueApiKey(repo, "dup"),
        (error) => error instanceof GatewayError && error.code === "CONFLICT",
      );
      for (const name of ["has space", ""]) {
        await assert.rejects(
          issueApiKey(repo, name),
          (error) => error instanceof GatewayError && error.code === "INVALID_INPUT",
        );
      }
      assert.deepEqual((await repo.list()).map((row) => row.name), ["dup"]);
    }),
  );
}
