/**
 * The vault against real stores (Postgres in its own schema, and the embedded file): operations,
 * injection per kind, rotation across instances, retry after 401, and rotation policy reporting.
 */

import assert from "node:assert/strict";
import { createVault, type Vault, type VaultOptions } from "../../lib/credentials/mod.ts";
import { GatewayError } from "../../lib/errors.ts";
import { createLogger } from "../../lib/log.ts";
import { DIALECTS, execSql, openTestStore, storeTest, type TestStore } from "../store/_stores.ts";
import { freshKeyring } from "./_keys.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

async function vaultOn(
  store: { credentials: VaultOptions["repo"] },
  extra: Partial<VaultOptions> = {},
) {
  const { keyring } = await freshKeyring();
  return createVault({ repo: store.credentials, keyring, ...extra });
}

function headersOf(auth: { headers: ReadonlyArray<readonly [string, { reveal(): string }]> }) {
  return Object.fromEntries(auth.headers.map(([name, value]) => [name, value.reveal()]));
}

function queryOf(auth: { query: ReadonlyArray<readonly [string, { reveal(): string }]> }) {
  return Object.fromEntries(auth.query.map(([name, value]) => [name, value.reveal()]));
}

async function setAll(vault: Vault): Promise<void> {
  const actor = "test";
  await vault.set({ name: "bear", kind: "bearer", settings: {}, secretText: "tok-bear-1", actor });
  await vault.set({
    name: "hdr",
    kind: "api_key",
    settings: { name: "X-Key", prefix: "Key " },
    secretText: "k-hdr-1",
    actor,
  });
  await vault.set({
    name: "qry",
    kind: "api_key",
    settings: { in: "query", name: "api_key" },
    secretText: "k-qry-1",
    actor,
  });
  await vault.set({
    name: "bas",
    kind: "basic",
    settings: { username: "alice" },
    secretText: "pw-bas-1",
    actor,
  });
  await vault.set({
    name: "svc",
    kind: "headers",
    settings: {},
    secretText: '{"X-Svc-Key":"k-svc-1","X-Tenant":"t-1"}',
    actor,
  });
}

for (const dialect of DIALECTS) {
  Deno.test(storeTest(dialect, "resolve() builds each static kind's injection", async () => {
    await using store = await openTestStore(dialect);
    const vault = await vaultOn(store);
    await setAll(vault);
    assert.deepEqual(headersOf((await vault.resolve("bear")).auth), {
      authorization: "Bearer tok-bear-1",
    });
    assert.deepEqual(headersOf((await vault.resolve("hdr")).auth), { "X-Key": "Key k-hdr-1" });
    assert.deepEqual(queryOf((await vault.resolve("qry")).auth), { api_key: "k-qry-1" });
    assert.deepEqual(headersOf((await vault.resolve("bas")).auth), {
      authorization: `Basic ${btoa("alice:pw-bas-1")}`,
    });
    assert.deepEqual(headersOf((await vault.resolve("svc")).auth), {
      "x-svc-key": "k-svc-1",
      "x-tenant": "t-1",
    });
    // The primary secret a stdio child's env gets: the bare value, no header prefix.
    assert.equal((await vault.resolve("bear")).secret?.reveal(), "tok-bear-1");
    assert.equal((await vault.resolve("hdr")).secret?.reveal(), "k-hdr-1");
    assert.equal((await vault.resolve("bas")).secret?.reveal(), "pw-bas-1");
    assert.equal((await vault.resolve("svc")).secret, undefined);
    const basic = await vault.resolve("bas");
    assert.equal(
      basic.auth.redact(`echo ${btoa("alice:pw-bas-1")} and pw-bas-1`),
      "echo [redacted] and [redacted]",
    );
    await assert.rejects(
      () => vault.resolve("missing"),
      (e: GatewayError) => e.code === "NOT_FOUND",
    );
  }));

  Deno.test(storeTest(dialect, "list(), show() and errors never carry a secret value", async () => {
    await using store = await openTestStore(dialect);
    const lines: string[] = [];
    const vault = await vaultOn(store, {
      logger: createLogger({ level: "debug", sink: (l) => lines.push(l) }),
    });
    await setAll(vault);
    await vault.rotate({ name: "bear", secretText: "tok-bear-2", actor: "alice" });
    const shown = JSON.stringify([
      await vault.list(),
      await vault.show("bear"),
      await vault.show("svc"),
    ]);
    for (const secret of ["tok-bear", "k-hdr", "k-qry", "pw-bas", "k-svc", "t-1"]) {
      assert.ok(!shown.includes(secret), `metadata shows ${secret}`);
      assert.ok(!lines.join("\n").includes(secret), `log shows ${secret}`);
    }
    const detail = await vault.show("bear");
    assert.deepEqual(detail.versions.map((v) => v.version), [2, 1]);
    assert.deepEqual(detail.events.map((e) => [e.action, e.version, e.actor]), [[
      "rotate",
      2,
      "alice",
    ], ["create", 1, "test"]]);
    assert.deepEqual((await vault.show("svc")).config, {
      kind: "headers",
      names: ["x-svc-key", "x-tenant"],
    });
    await assert.rejects(
      () =>
        vault.set({ name: "Bad Name", kind: "bearer", settings: {}, secretText: "x", actor: "t" }),
      (e: GatewayError) => e.code === "INVALID_INPUT",
    );
  }));

  Deno.test(
    storeTest(
      dialect,
      "rotate() reaches another instance within revalidateMs; the old version serves a 401 retry during grace",
      async () => {
        await using store = await openTestStore(dialect);
        const other = await store.reopen();
        try {
          let clock = 1_000_000;
          const now = () => clock;
          const { keyring } = await freshKeyring();
          const admin = createVault({ repo: store.credentials, keyring, now });
          const serving = createVault({
            repo: other.credentials,
            keyring,
            now,
            revalidateMs: 1000,
          });
          await admin.set({
            name: "jira",
            kind: "bearer",
            settings: {},
            secretText: "tok-v1",
            graceMs: HOUR,
            actor: "t",
          });
          assert.equal((await serving.resolve("jira")).version, 1);
          await admin.rotate({ name: "jira", secretText: "tok-v2", actor: "t" });
          assert.equal((await serving.resolve("jira")).version, 1, "cached until revalidation");
          clock += 1000;
          const current = await serving.resolve("jira");
          assert.equal(current.version, 2);
          assert.deepEqual(headersOf(current.auth), { authorization: "Bearer tok-v2" });
          const retry = await serving.retryAfterUnauthorized(current);
          assert.equal(retry?.version, 1);
          assert.deepEqual(headersOf(retry!.auth), { authorization: "Bearer tok-v1" });
          assert.equal(
            await serving.retryAfterUnauthorized(retry!),
            undefined,
            "only one step back",
          );
          clock += HOUR;
          await serving.resolve("jira");
          assert.equal(
            await serving.retryAfterUnauthorized(current),
            undefined,
            "grace period over",
          );
        } finally {
          await other.close();
        }
      },
    ),
  );

  Deno.test(
    storeTest(dialect, "list() and reportOverdue() flag credentials past rotateEvery", async () => {
      await using store = await openTestStore(dialect);
      let clock = Date.UTC(2026, 0, 1);
      const lines: string[] = [];
      const vault = await vaultOn(store, {
        now: () => clock,
        logger: createLogger({ sink: (line) => lines.push(line) }),
      });
      await vault.set({
        name: "old",
        kind: "bearer",
        settings: {},
        secretText: "tok-old",
        rotateEveryMs: 30 * DAY,
        actor: "t",
      });
      await vault.set({
        name: "free",
        kind: "bearer",
        settings: {},
        secretText: "tok-free",
        actor: "t",
      });
      assert.deepEqual(await vault.reportOverdue(), []);
      clock += 31 * DAY;
      const listed = await vault.list();
      assert.deepEqual(listed.map((i) => [i.name, i.rotationOverdue]), [["free", false], [
        "old",
        true,
      ]]);
      assert.equal(listed[1]!.rotationDueAt, Date.UTC(2026, 0, 31));
      assert.deepEqual((await vault.reportOverdue()).map((i) => i.name), ["old"]);
      const warning = lines.map((l) => JSON.parse(l)).find((r) =>
        r.msg === "Credential is past its rotation policy"
      );
      assert.equal(warning?.name, "old");
      await vault.rotate({ name: "old", secretText: "tok-new", actor: "t" });
      assert.deepEqual(await vault.reportOverdue(), [], "a rotation restarts the clock");
    }),
  );

  Deno.test(
    storeTest(
      dialect,
      "without a master key metadata works and secrets fail with INVALID_CONFIG",
      async () => {
        await using store: TestStore = await openTestStore(dialect);
        await (await vaultOn(store)).set({
          name: "x",
          kind: "bearer",
          settings: {},
          secretText: "tok-x",
          actor: "t",
        });
        const locked = createVault({ repo: store.credentials, keyring: undefined });
        assert.equal((await locked.list()).length, 1);
        await assert.rejects(
          () => locked.resolve("x"),
          (e: GatewayError) => e.code === "INVALID_CONFIG" && /NEXUS_MASTER_KEY/.test(e.message),
        );
      },
    ),
  );

  Deno.test(
    storeTest(
      dialect,
      "a blob copied into another row fails to open with a clear error",
      async () => {
        await using store = await openTestStore(dialect);
        const { keyring } = await freshKeyring();
        await setAll(createVault({ repo: store.credentials, keyring }));
        const bear = await store.credentials.get("bear");
        const hdr = await store.credentials.get("hdr");
        const stolen = await store.credentials.getVersion(hdr!.id, 1);
        await store.credentials.addVersion(bear!.id, 1, {
          kind: "bearer",
          config: '{"kind":"bearer"}',
          sealed: stolen!.sealed,
          kekVersion: 1,
          sealFormat: 2,
        }, { actor: "attacker", at: 1 });
        await assert.rejects(
          () => createVault({ repo: store.credentials, keyring }).resolve("bear"),
          (e: GatewayError) =>
            e.code === "INTERNAL" &&
            /credential "bear" .*version 2 \(secret\): the record was altered/.test(e.message),
        );
      },
    ),
  );

  Deno.test(
    storeTest(
      dialect,
      "a row with an edited token URL or a swapped name refuses to open, saying it was altered",
      async () => {
        await using store = await openTestStore(dialect);
        const { keyring } = await freshKeyring();
        const vault = createVault({ repo: store.credentials, keyring });
        await setAll(vault);
        await vault.set({
          name: "idp",
          kind: "oauth2_client_credentials",
          settings: { tokenUrl: "https://idp.example/token", clientId: "gw", scopes: "read" },
          secretText: "client-secret-1",
          actor: "test",
        });
        const altered = (name: string) => (e: GatewayError) =>
          e.code === "INTERNAL" &&
          new RegExp(`credential "${name}" .*: the record was altered`).test(e.message);
        // The token URL sent somewhere else: the client secret must not go there.
        await execSql(
          store,
          "UPDATE credential_versions SET config = replace(config, 'idp.example', 'evil.example')",
        );
        await assert.rejects(
          () => createVault({ repo: store.credentials, keyring }).test("idp"),
          altered("idp"),
        );
        // Two credentials' names swapped: a tool naming "bear" would get "bas"'s password.
        await execSql(store, "UPDATE credentials SET name = 'swap-tmp' WHERE name = 'bear'");
        await execSql(store, "UPDATE credentials SET name = 'bear' WHERE name = 'bas'");
        await execSql(store, "UPDATE credentials SET name = 'bas' WHERE name = 'swap-tmp'");
        const fresh = createVault({ repo: store.credentials, keyring });
        await assert.rejects(() => fresh.resolve("bear"), altered("bear"));
        await assert.rejects(() => fresh.resolve("bas"), altered("bas"));
        // An edited header name: the key would be sent as another header.
        await execSql(
          store,
          "UPDATE credential_versions SET config = replace(config, 'X-Key', 'X-Other')",
        );
        await assert.rejects(() => fresh.resolve("hdr"), altered("hdr"));
        assert.ok(
          (await fresh.resolve("svc")).auth.headers.length > 0,
          "untouched rows still open",
        );
      },
    ),
  );
}
