/**
 * The dialect seam on both databases: one statement text runs on each with its values bound,
 * bytes, big integers and booleans come back alike, unique-key violations read the same, and a
 * transaction is its own: a statement issued while it is open is not part of it.
 */

import assert from "node:assert/strict";
import { sql } from "../../lib/store/dialect.ts";
import { bool, bytes, int, orNull } from "../../lib/store/rows.ts";
import { databaseOf } from "../../lib/store/store.ts";
import { DIALECTS, openTestStore, storeTest } from "./_stores.ts";

for (const dialect of DIALECTS) {
  Deno.test(storeTest(dialect, "a statement's values stay bound parameters", async () => {
    await using store = await openTestStore(dialect);
    const db = databaseOf(store);
    const hostile = "x'); DELETE FROM schema_migrations; --";
    await db.run(sql`INSERT INTO schema_migrations (id, applied_at) VALUES (${hostile}, ${1})`);
    const rows = await db.all(sql`SELECT id FROM schema_migrations WHERE id = ${hostile}
      ${sql`AND applied_at = ${1}`}`);
    assert.deepEqual(rows.map((row) => row.id), [hostile]);
    const [count] = await db.all(sql`SELECT count(*) AS n FROM schema_migrations`);
    assert.ok(int(count?.n, "n") > 1, "the other rows are still there");
  }));

  Deno.test(storeTest(dialect, "bytes, big integers and booleans read back alike", async () => {
    await using store = await openTestStore(dialect);
    const db = databaseOf(store);
    const at = 1_700_000_000_123;
    await db.run(sql`INSERT INTO credentials (id, name, active_version, grace_ms, created_at,
        created_by, updated_at, updated_by)
      VALUES (${"c1"}, ${"n1"}, ${1}, ${0}, ${at}, ${"t"}, ${at}, ${"t"})`);
    const blob = new Uint8Array([0, 255, 1, 128]);
    await db.run(sql`INSERT INTO credential_versions (credential_id, version, kind, config, sealed,
        kek_version, seal_format, created_at, created_by)
      VALUES (${"c1"}, ${1}, ${"bearer"}, ${"{}"}, ${blob}, ${1}, ${2}, ${at}, ${"t"})`);
    const [version] = await db.all(sql`SELECT sealed, created_at FROM credential_versions`);
    assert.deepEqual(bytes(version?.sealed, "sealed"), blob);
    assert.equal(int(version?.created_at, "created_at"), at);
    for (const hit of [true, false, null]) {
      await db.run(sql`INSERT INTO audit_log (at, request_id, client_id, client_name, client_kind,
          server, tool, args_hash, outcome, duration_ms, cache_hit)
        VALUES (${at}, ${String(hit)}, ${"c"}, ${"c"}, ${"stdio"}, ${"default"}, ${"t"}, ${"h"},
          ${"ok"}, ${1.5}, ${hit})`);
    }
    const hits = await db.all(sql`SELECT cache_hit FROM audit_log ORDER BY id`);
    assert.deepEqual(hits.map((row) => orNull(bool)(row.cache_hit, "cache_hit")), [
      true,
      false,
      null,
    ]);
  }));

  Deno.test(
    storeTest(dialect, "isUniqueViolation() tells a duplicate key from other errors", async () => {
      await using store = await openTestStore(dialect);
      const db = databaseOf(store);
      const insert = sql`INSERT INTO schema_migrations (id, applied_at) VALUES (${"dup"}, ${1})`;
      await db.run(insert);
      const duplicate = await db.run(insert).then(() => undefined, (error) => error);
      assert.ok(duplicate !== undefined, "the second insert fails");
      assert.equal(db.isUniqueViolation(duplicate), true);
      const other = await db.run(sql`INSERT INTO no_such_table (id) VALUES (${1})`)
        .then(() => undefined, (error) => error);
      assert.ok(other !== undefined);
      assert.equal(db.isUniqueViolation(other), false);
    }),
  );

  Deno.test(
    storeTest(
      dialect,
      "a statement issued while a transaction is open is not part of it",
      async () => {
        await using store = await openTestStore(dialect);
        const db = databaseOf(store);
        const row = (id: string) =>
          sql`INSERT INTO schema_migrations (id, applied_at) VALUES (${id}, ${1})`;
        const inside = Promise.withResolvers<void>();
        const rolledBack = db.transaction(async (tx) => {
          await tx.run(row("inside"));
          inside.resolve();
          // Why a timer: another caller's statement gets its chance while the transaction is open.
          await new Promise((resolve) => setTimeout(resolve, 30));
          throw new Error("roll back");
        });
        await inside.promise;
        const outside = db.run(row("outside"));
        await assert.rejects(rolledBack, /roll back/);
        assert.equal(await outside, 1);
        const ids = await db.all(sql`SELECT id FROM schema_migrations
        WHERE id IN (${"inside"}, ${"outside"})`);
        assert.deepEqual(ids.map((r) => r.id), ["outside"]);
      },
    ),
  );

  Deno.test(
    storeTest(
      dialect,
      "a relaxed transaction commits under the relaxed setting, and the connection is back to full after",
      async () => {
        await using store = await openTestStore(dialect);
        const db = databaseOf(store);
        // Why these settings: SQLite synchronous 1 is NORMAL and 2 FULL; Postgres's is per session.
        const setting = dialect === "sqlite"
          ? sql`PRAGMA synchronous`
          : sql`SELECT current_setting('synchronous_commit') AS synchronous`;
        const read = async (tx: Pick<typeof db, "all">) =>
          String((await tx.all(setting))[0]?.synchronous);
        const full = dialect === "sqlite" ? "2" : "on";
        assert.equal(await read(db), full);
        const inside = await db.transaction(async (tx) => {
          await tx.run(
            sql`INSERT INTO schema_migrations (id, applied_at) VALUES (${"relaxed"}, ${1})`,
          );
          return await read(tx);
        }, { durability: "relaxed" });
        assert.equal(inside, dialect === "sqlite" ? "1" : "off");
        assert.equal(await read(db), full);
        const rows = await db.all(sql`SELECT id FROM schema_migrations WHERE id = ${"relaxed"}`);
        assert.equal(rows.length, 1);
      },
    ),
  );
}
