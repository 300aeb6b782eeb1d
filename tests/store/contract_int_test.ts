/**
 * The store contract, run against real Postgres (own schema) and the embedded SQLite file.
 */

import assert from "node:assert/strict";
import { GatewayError } from "../../lib/errors.ts";
import { type NewCredentialVersion } from "../../lib/store/mod.ts";
import { MIGRATIONS } from "../../lib/store/migrations.ts";
import { DIALECTS, openTestStore, storeTest } from "./_stores.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const at = (ms: number) => ({ actor: "tester", at: ms });

function sealedVersion(tag: string, kekVersion = 1): NewCredentialVersion {
  return {
    kind: "bearer",
    config: "{}",
    sealed: bytes(`sealed:${tag}`),
    kekVersion,
    sealFormat: 2,
  };
}

const LOCK = { now: Date.now, waitMs: 5_000, leaseMs: 30_000 };

for (const dialect of DIALECTS) {
  Deno.test(
    storeTest(dialect, "instances starting at once on an empty store migrate it once", async () => {
      await using empty = await openTestStore(dialect, { migrate: false });
      const stores = await Promise.all([empty.reopen(), empty.reopen(), empty.reopen()]);
      try {
        for (const store of stores) {
          assert.deepEqual(await store.migrate(), { applied: [], total: MIGRATIONS.length });
        }
      } finally {
        await Promise.all(stores.map((store) => store.close()));
      }
    }),
  );

  Deno.test(storeTest(dialect, "openStore() applies every migration once", async () => {
    await using store = await openTestStore(dialect);
    const again = await store.migrate();
    assert.deepEqual(again, { applied: [], total: MIGRATIONS.length });
    await assert.rejects(
      () => store.migrate({ migrations: [] }),
      (error: GatewayError) =>
        error.code === "INVALID_CONFIG" && /does not know: 001_credentials/.test(error.message),
    );
  }));

  Deno.test(
    storeTest(dialect, "create() stores a credential and refuses a taken name", async () => {
      await using store = await openTestStore(dialect);
      const repo = store.credentials;
      await repo.create(
        { id: "id-1", name: "jira", rotateEveryMs: 86_400_000, graceMs: 3_600_000 },
        sealedVersion("one"),
        at(1000),
      );
      const row = await repo.get("jira");
      assert.deepEqual(row, {
        id: "id-1",
        name: "jira",
        activeVersion: 1,
        rotateEveryMs: 86_400_000,
        graceMs: 3_600_000,
        createdAt: 1000,
        createdBy: "tester",
        updatedAt: 1000,
        updatedBy: "tester",
      });
      const version = await repo.getVersion("id-1", 1);
      assert.deepEqual(version?.sealed, bytes("sealed:one"));
      assert.equal(version?.kind, "bearer");
      await assert.rejects(
        () =>
          repo.create(
            { id: "id-2", name: "jira", rotateEveryMs: null, graceMs: 0 },
            sealedVersion("x"),
            at(2),
          ),
        (error: GatewayError) => error.code === "INVALID_INPUT" && /exists/.test(error.message),
      );
      assert.deepEqual((await repo.list()).map((r) => r.name), ["jira"]);
      assert.equal(await repo.get("missing"), undefined);
    }),
  );

  Deno.test(
    storeTest(dialect, "addVersion() is a compare-and-swap on the active version", async () => {
      await using store = await openTestStore(dialect);
      const repo = store.credentials;
      await repo.create(
        { id: "c", name: "svc", rotateEveryMs: null, graceMs: 60_000 },
        sealedVersion("v1"),
        at(10),
      );
      assert.equal(await repo.addVersion("c", 1, sealedVersion("v2"), at(20)), true);
      assert.equal(await repo.addVersion("c", 1, sealedVersion("lost"), at(21)), false);
      const row = await repo.get("svc");
      assert.equal(row?.activeVersion, 2);
      assert.equal((await repo.getVersion("c", 1))?.retiredAt, 20);
      assert.equal((await repo.getVersion("c", 2))?.retiredAt, null);
      const policy = { rotateEveryMs: 5, graceMs: 7 };
      assert.equal(await repo.addVersion("c", 2, sealedVersion("v3"), { ...at(30), policy }), true);
      assert.deepEqual((await repo.listVersions("c")).map((v) => v.version), [3, 2]);
      const updated = await repo.get("svc");
      assert.deepEqual([updated?.rotateEveryMs, updated?.graceMs, updated?.updatedAt], [5, 7, 30]);
    }),
  );

  Deno.test(storeTest(dialect, "delete() removes everything but the recorded events", async () => {
    await using store = await openTestStore(dialect);
    const repo = store.credentials;
    await repo.create(
      { id: "d", name: "gone", rotateEveryMs: null, graceMs: 0 },
      sealedVersion("1"),
      at(1),
    );
    await repo.addVersion("d", 1, sealedVersion("2"), { actor: "alice", at: 2, action: "rotate" });
    assert.equal(await repo.delete("gone", { actor: "bob", at: 3 }), true);
    assert.equal(await repo.delete("gone", { actor: "bob", at: 4 }), false);
    assert.equal(await repo.get("gone"), undefined);
    assert.deepEqual(await repo.listVersions("d"), []);
    const events = await repo.events("gone");
    assert.deepEqual(
      events.map((e) => [e.action, e.version, e.actor, e.at]),
      [["delete", null, "bob", 3], ["rotate", 2, "alice", 2], ["create", 1, "tester", 1]],
    );
  }));

  Deno.test(
    storeTest(dialect, "withRefreshLock() runs one holder at a time across handles", async () => {
      await using store = await openTestStore(dialect);
      const other = await store.reopen();
      try {
        await store.credentials.create(
          { id: "r", name: "oauth", rotateEveryMs: null, graceMs: 0 },
          sealedVersion("1"),
          at(1),
        );
        const order: string[] = [];
        const firstInside = Promise.withResolvers<void>();
        const releaseFirst = Promise.withResolvers<void>();
        const first = store.credentials.withRefreshLock("r", async (state) => {
          order.push(`first saw ${state.sealed === null ? "nothing" : state.stateVersion}`);
          firstInside.resolve();
          await releaseFirst.promise;
          return {
            value: "a",
            write: { credentialVersion: 1, sealed: bytes("state-a"), kekVersion: 1, sealFormat: 2 },
          };
        }, LOCK);
        await firstInside.promise;
        const second = other.credentials.withRefreshLock("r", (state) => {
          order.push(
            `second saw ${state?.stateVersion} ${
              new TextDecoder().decode(state?.sealed ?? new Uint8Array())
            }`,
          );
          return Promise.resolve({ value: "b" });
        }, LOCK);
        // Why: give the second holder every chance to (wrongly) enter before the first leaves.
        await new Promise((resolve) => setTimeout(resolve, 100));
        order.push("first leaves");
        releaseFirst.resolve();
        assert.deepEqual(await Promise.all([first, second]), ["a", "b"]);
        assert.deepEqual(order, ["first saw nothing", "first leaves", "second saw 1 state-a"]);
        const state = await other.credentials.readState("r");
        assert.equal(state?.stateVersion, 1);
      } finally {
        await other.close();
      }
    }),
  );

  Deno.test(
    storeTest(
      dialect,
      "withRefreshLock() gives up with UPSTREAM_TIMEOUT while another holds it",
      async () => {
        await using store = await openTestStore(dialect);
        const other = await store.reopen();
        try {
          await store.credentials.create(
            { id: "t", name: "held", rotateEveryMs: null, graceMs: 0 },
            sealedVersion("1"),
            at(1),
          );
          const inside = Promise.withResolvers<void>();
          const release = Promise.withResolvers<void>();
          const holder = store.credentials.withRefreshLock("t", async () => {
            inside.resolve();
            await release.promise;
            return { value: 1 };
          }, LOCK);
          await inside.promise;
          await assert.rejects(
            () =>
              other.credentials.withRefreshLock("t", () => Promise.resolve({ value: 2 }), {
                ...LOCK,
                waitMs: 150,
              }),
            (error: GatewayError) => error.code === "UPSTREAM_TIMEOUT",
          );
          release.resolve();
          assert.equal(await holder, 1);
          await assert.rejects(
            () =>
              other.credentials.withRefreshLock("nope", () => Promise.resolve({ value: 3 }), LOCK),
            (error: GatewayError) => error.code === "NOT_FOUND",
          );
        } finally {
          await other.close();
        }
      },
    ),
  );

  Deno.test(
    storeTest(
      dialect,
      "listSealedNotUnder() and replaceSealed() re-key blobs with compare-and-swap",
      async () => {
        await using store = await openTestStore(dialect);
        const repo = store.credentials;
        await repo.create(
          { id: "k", name: "keyed", rotateEveryMs: null, graceMs: 0 },
          sealedVersion("v1", 1),
          at(1),
        );
        await repo.withRefreshLock("k", () =>
          Promise.resolve({
            value: 0,
            write: { credentialVersion: 1, sealed: bytes("st"), kekVersion: 1, sealFormat: 2 },
          }), LOCK);
        assert.deepEqual(await repo.kekVersionsInUse(), [1]);
        const refs = await repo.listSealedNotUnder(2, 10);
        assert.deepEqual(refs.map((r) => [r.slot, r.kind, r.kekVersion]).sort(), [[
          "state",
          "bearer",
          1,
        ], ["version", "bearer", 1]]);
        for (const ref of refs) {
          const next = { sealed: bytes("rewrapped"), kekVersion: 2, sealFormat: 2 };
          assert.equal(await repo.replaceSealed(ref, next), true);
        }
        for (const ref of refs) {
          const next = { sealed: bytes("again"), kekVersion: 2, sealFormat: 2 };
          assert.equal(await repo.replaceSealed(ref, next), false);
        }
        assert.deepEqual(await repo.listSealedNotUnder(2, 10), []);
        assert.deepEqual(await repo.kekVersionsInUse(), [2]);
        assert.deepEqual((await repo.getVersion("k", 1))?.sealed, bytes("rewrapped"));
        assert.deepEqual((await repo.readState("k"))?.sealed, bytes("rewrapped"));
      },
    ),
  );

  Deno.test(
    storeTest(
      dialect,
      "listSealedBelowFormat() lists older-format blobs with their name and settings; replaceSealed() compares the format",
      async () => {
        await using store = await openTestStore(dialect);
        const repo = store.credentials;
        const old = { ...sealedVersion("v1"), config: '{"kind":"bearer"}', sealFormat: 1 };
        await repo.create(
          { id: "f", name: "old-one", rotateEveryMs: null, graceMs: 0 },
          old,
          at(1),
        );
        await repo.create(
          { id: "g", name: "new-one", rotateEveryMs: null, graceMs: 0 },
          sealedVersion("v2"),
          at(1),
        );
        const refs = await repo.listSealedBelowFormat(2, 10);
        assert.deepEqual(
          refs.map((r) => [r.slot, r.credentialId, r.name, r.config, r.sealFormat]),
          [["version", "f", "old-one", '{"kind":"bearer"}', 1]],
        );
        const ref = refs[0]!;
        const next = { sealed: bytes("resealed"), kekVersion: 1, sealFormat: 2 };
        assert.equal(await repo.replaceSealed({ ...ref, sealFormat: 2 }, next), false);
        assert.equal(await repo.replaceSealed(ref, next), true);
        assert.equal(await repo.replaceSealed(ref, next), false, "already replaced");
        assert.deepEqual(await repo.listSealedBelowFormat(2, 10), []);
        assert.equal((await repo.getVersion("f", 1))?.sealFormat, 2);
      },
    ),
  );
}
