/**
 * Opening the store: PostgreSQL when a database URL is configured, else the embedded SQLite file
 * `nexus.db` under the data directory. Migrations are applied before the store is returned.
 */

import { DatabaseSync } from "node:sqlite";
import postgres from "postgres";
import { GatewayError } from "../errors.ts";
import { type Logger, silentLogger } from "../log.ts";
import type { Secret } from "../secret.ts";
import { createPostgresDatabase } from "./database_postgres.ts";
import { createSqliteDatabase } from "./database_sqlite.ts";
import type { Database } from "./dialect.ts";
import { retryBusy, SQLITE_BUSY_TIMEOUT_MS } from "./sqlite.ts";
import { createStore } from "./store.ts";
import type { Store } from "./types.ts";

/** The slice of gateway config a store needs. */
export interface StoreConfig {
  /** PostgreSQL URL (`NEXUS_DATABASE_URL`); absent: the embedded SQLite file under `dataDir`. */
  databaseUrl?: Secret;
  /** Directory of the embedded `nexus.db` (created when missing); unused with a database URL. */
  dataDir: string;
}

/** Options for {@linkcode openStore}. */
export interface OpenStoreOptions {
  /** Receives the migrations applied and embedded-file warnings; default: drops everything. */
  logger?: Logger;
  /** Postgres only: use (and create) this schema via `search_path`; tests use one each. */
  schema?: string;
  /** Apply pending migrations on open (default true; `nexus migrate` reports them itself). */
  migrate?: boolean;
  /** Largest Postgres pool (default 10). */
  maxConnections?: number;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const EMBEDDED_FILE = "nexus.db";

/**
 * Opens the configured store and applies pending migrations.
 * @throws GatewayError INVALID_CONFIG when the database cannot be reached, opened or migrated;
 *   UPSTREAM_TIMEOUT when another process keeps the embedded file locked through migration.
 */
export async function openStore(
  config: StoreConfig,
  options: OpenStoreOptions = {},
): Promise<Store> {
  const logger = options.logger ?? silentLogger;
  const store = createStore(
    config.databaseUrl === undefined
      ? await openEmbedded(config.dataDir, logger)
      : await openPostgres(config.databaseUrl.reveal(), options),
  );
  if (options.migrate !== false) {
    try {
      const { applied } = await store.migrate();
      if (applied.length > 0) logger.info("Store migrated", { store: store.location, applied });
    } catch (error) {
      await store.close();
      throw error;
    }
  }
  return store;
}

async function openPostgres(url: string, options: OpenStoreOptions): Promise<Database> {
  const location = describeUrl(url, options.schema);
  if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) {
    throw new GatewayError("INVALID_CONFIG", `Invalid store schema name: "${options.schema}"`);
  }
  const sql = postgres(url, {
    max: options.maxConnections ?? 10,
    onnotice: () => {},
    connect_timeout: 10,
    connection: options.schema === undefined ? {} : { search_path: options.schema },
  });
  try {
    if (options.schema !== undefined) {
      await sql`CREATE SCHEMA IF NOT EXISTS ${sql(options.schema)}`;
    } else {
      await sql`SELECT 1`;
    }
  } catch (error) {
    await sql.end({ timeout: 1 }).catch(() => {});
    throw cannotOpen(location, error);
  }
  return createPostgresDatabase(sql, location);
}

async function openEmbedded(dataDir: string, logger: Logger): Promise<Database> {
  const path = `${dataDir.replace(/\/$/, "")}/${EMBEDDED_FILE}`;
  let database: DatabaseSync;
  let journalMode: unknown;
  try {
    await Deno.mkdir(dataDir, { recursive: true, mode: 0o700 });
    database = new DatabaseSync(path);
    // Why busy_timeout 0: node:sqlite is synchronous, so SQLite's own wait for another process's
    // lock would hold the event loop (every tenant's requests) for the whole timeout. A locked
    // statement fails at once instead and retryBusy() tries it again from a timer (sqlite.ts).
    database.exec(`PRAGMA busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    // Why: WAL lets readers (API key lookups, credential opens) run while another process holds
    // the write lock; FULL sync so a rotated refresh token that was committed survives a power
    // cut (losing it would break the credential). Switching to WAL takes a lock another starting
    // process may hold, hence the retry.
    journalMode = await retryBusy(() => {
      const row = database.prepare("PRAGMA journal_mode = WAL").get();
      database.exec(`PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;
        PRAGMA secure_delete = ON;`);
      return row?.journal_mode;
    }, { action: `open ${path}` });
    await Deno.chmod(path, 0o600).catch(() => {});
  } catch (error) {
    throw cannotOpen(path, error);
  }
  if (journalMode !== "wal") {
    // Why not fail: the store still works, but readers then wait for writers (in the background,
    // through retryBusy); the operator should know why lookups slow down under a second process.
    logger.warn("Embedded store is not in WAL mode: readers wait while another process writes", {
      store: path,
      journalMode,
    });
  }
  return createSqliteDatabase(database, path);
}

/** `postgres://host:port/db`, never the user or password. */
function describeUrl(url: string, schema: string | undefined): string {
  let where = "postgres (unparsable URL)";
  try {
    const parsed = new URL(url);
    where = `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    // Why: the URL may be a secret-bearing string; never echo it.
  }
  return schema === undefined ? where : `${where} (schema ${schema})`;
}

function cannotOpen(location: string, error: unknown): GatewayError {
  const reason = error instanceof Error ? error.message : String(error);
  return new GatewayError("INVALID_CONFIG", `Cannot open store: ${location}: ${reason}`, {
    cause: error,
  });
}
