/**
 * The migration runner: applies the migrations a database has not seen, in list order, inside one
 * transaction that holds a lock, so two instances starting at once never both apply one.
 *
 * The DDL is per dialect (column types differ: `bytea` / BLOB, `bigserial` / AUTOINCREMENT,
 * SQLite's STRICT tables), and so is the lock: Postgres takes an advisory lock per schema, the
 * embedded store's `BEGIN IMMEDIATE` already holds the file's write lock. The bookkeeping
 * statements are written once.
 */

import { GatewayError } from "../errors.ts";
import { type Database, type Executor, sql } from "./dialect.ts";
import { type Migration, MIGRATIONS } from "./migrations.ts";
import { text } from "./rows.ts";

/** What a run did. */
export interface MigrateResult {
  /** Ids applied by this run, in order. */
  applied: string[];
  /** Every id the database has now recorded. */
  total: number;
}

/** Options for {@linkcode migrate}. */
export interface MigrateOptions {
  /** The migrations to apply (default every one this build knows, {@linkcode MIGRATIONS}). */
  migrations?: readonly Migration[];
  /** The clock recorded as `applied_at`, epoch ms (default `Date.now`). */
  now?: () => number;
}

/** The bookkeeping table, per dialect (SQLite tables are STRICT). */
const LEDGER = {
  postgres: `CREATE TABLE IF NOT EXISTS schema_migrations (
    id text PRIMARY KEY, applied_at bigint NOT NULL)`,
  sqlite: `CREATE TABLE IF NOT EXISTS schema_migrations (
    id TEXT PRIMARY KEY, applied_at INTEGER NOT NULL) STRICT`,
} as const;

/**
 * Applies pending migrations.
 * @throws GatewayError INVALID_CONFIG naming the migration that failed, or when the database has
 * applied a migration this build does not know (it is newer than this gateway); UPSTREAM_TIMEOUT
 * when another process keeps the embedded file locked past the busy deadline.
 */
export function migrate(db: Database, options: MigrateOptions = {}): Promise<MigrateResult> {
  const migrations = options.migrations ?? MIGRATIONS;
  const now = options.now ?? Date.now;
  return db.scoped("migrate the store").transaction(async (tx) => {
    await lockMigrations(tx);
    await tx.exec(LEDGER[tx.dialect]);
    const rows = await tx.all(sql`SELECT id FROM schema_migrations`);
    const pending = pendingOf(migrations, rows.map((row) => text(row.id)));
    for (const migration of pending) {
      try {
        await tx.exec(migration[tx.dialect]);
      } catch (error) {
        throw failed(migration, error);
      }
      await tx.run(sql`INSERT INTO schema_migrations (id, applied_at)
        VALUES (${migration.id}, ${now()})`);
    }
    return { applied: pending.map((m) => m.id), total: rows.length + pending.length };
  });
}

/** Postgres: one advisory lock per schema; the embedded transaction holds the file already. */
async function lockMigrations(tx: Executor): Promise<void> {
  if (tx.dialect !== "postgres") return;
  // Why per schema: parallel test schemas do not wait on each other.
  await tx.all(
    sql`SELECT pg_advisory_xact_lock(hashtext('nexus_migrations:' || current_schema()))`,
  );
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
