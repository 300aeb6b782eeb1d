/**
 * The migration runner: applies the migrations a database has not seen, in list order, inside one
 * transaction that holds a lock, so two instances starting at once never both apply one.
 */

import type { DatabaseSync } from "node:sqlite";
import type { Sql } from "postgres";
import { GatewayError } from "../errors.ts";
import { type Migration, MIGRATIONS } from "./migrations.ts";
import { retryBusy, transaction } from "./sqlite.ts";
import type { StoreDb } from "./types.ts";

/** What a run did. */
export interface MigrateResult {
  /** Ids applied by this run, in order. */
  applied: string[];
  /** Every id the database has now recorded. */
  total: number;
}

/**
 * Applies pending migrations.
 * @throws GatewayError INVALID_CONFIG naming the migration that failed, or when the database has
 * applied a migration this build does not know (it is newer than this gateway); UPSTREAM_TIMEOUT
 * when another process keeps the embedded file locked past the busy deadline.
 */
export async function migrate(
  db: StoreDb,
  options: { migrations?: readonly Migration[]; now?: () => number } = {},
): Promise<MigrateResult> {
  const migrations = options.migrations ?? MIGRATIONS;
  const now = options.now ?? Date.now;
  return db.dialect === "postgres"
    ? await migratePostgres(db.sql, migrations, now)
    : await retryBusy(() => migrateSqlite(db.db, migrations, now), { action: "migrate the store" });
}

async function migratePostgres(
  sql: Sql,
  migrations: readonly Migration[],
  now: () => number,
): Promise<MigrateResult> {
  return await sql.begin(async (tx) => {
    // Why: one lock per schema, so parallel test schemas do not wait on each other.
    await tx`SELECT pg_advisory_xact_lock(hashtext('nexus_migrations:' || current_schema()))`;
    await tx`CREATE TABLE IF NOT EXISTS schema_migrations (
      id text PRIMARY KEY, applied_at bigint NOT NULL)`;
    const rows = await tx`SELECT id FROM schema_migrations`;
    const pending = pendingOf(migrations, rows.map((row) => String(row.id)));
    for (const migration of pending) {
      try {
        await tx.unsafe(migration.postgres).simple();
      } catch (error) {
        throw failed(migration, error);
      }
      await tx`INSERT INTO schema_migrations (id, applied_at) VALUES (${migration.id}, ${now()})`;
    }
    return { applied: pending.map((m) => m.id), total: rows.length + pending.length };
  });
}

function migrateSqlite(
  db: DatabaseSync,
  migrations: readonly Migration[],
  now: () => number,
): MigrateResult {
  return transaction(db, () => {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      id TEXT PRIMARY KEY, applied_at INTEGER NOT NULL) STRICT`);
    const rows = db.prepare(`SELECT id FROM schema_migrations`).all();
    const pending = pendingOf(migrations, rows.map((row) => String(row.id)));
    const record = db.prepare(`INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)`);
    for (const migration of pending) {
      try {
        db.exec(migration.sqlite);
      } catch (error) {
        throw failed(migration, error);
      }
      record.run(migration.id, now());
    }
    return { applied: pending.map((m) => m.id), total: rows.length + pending.length };
  });
}

function pendingOf(migrations: readonly Migration[], applied: string[]): Migration[] {
  const known = new Set(migrations.map((m) => m.id));
  const unknown = applied.filter((id) => !known.has(id));
  if (unknown.length > 0) {
    throw new GatewayError(
      "INVALID_CONFIG",
      `Cannot migrate the store: it has migrations this gateway does not know: ${
        unknown.join(", ")
      } (run a newer gateway)`,
    );
  }
  const done = new Set(applied);
  return migrations.filter((m) => !done.has(m.id));
}

function failed(migration: Migration, error: unknown): GatewayError {
  const reason = error instanceof Error ? error.message : String(error);
  return new GatewayError(
    "INVALID_CONFIG",
    `Cannot apply migration "${migration.id}": ${reason}`,
    { cause: error },
  );
}
