/**
 * API keys at rest: a key id (the public part of the key, the row's primary key), the SHA-256 of
 * the secret part, and what the key may do. The key itself is never stored. One branch per
 * dialect; a revoked key keeps its row (and its name frees up for a new key).
 */

import type { DatabaseSync, SQLInputValue } from "node:sqlite";
import type { Sql } from "postgres";
import { GatewayError } from "../errors.ts";
import { retryingBusy } from "./sqlite.ts";
import type { StoreDb } from "./types.ts";

/** Whether a key authenticates MCP clients or the admin API; never both. */
export type ApiKeyScope = "mcp" | "admin";

/** One API key as stored. Times are epoch milliseconds. */
export interface ApiKeyRow {
  /** The public 16-hex-digit id inside the key (`nxk_<key id>_<secret>`); the primary key. */
  keyId: string;
  /** The client's name, shown in listings and the audit log; unique among active keys. */
  name: string;
  /** What the key authenticates: MCP clients or the admin API. */
  scope: ApiKeyScope;
  /** Lower-case hex SHA-256 of the key's secret part. */
  hash: string;
  /** Tool patterns the key is limited to; empty: what the policies allow. */
  tools: string[];
  /** Groups the key's principal belongs to, for policies. */
  groups: string[];
  /** When the key was issued. */
  createdAt: number;
  /** When the key stops being accepted; null: never. */
  expiresAt: number | null;
  /** When the key was revoked; null while it is not. */
  revokedAt: number | null;
}

/** API key storage. */
export interface ApiKeyRepo {
  /** Stores a new key. @throws GatewayError CONFLICT when an active key has the name. */
  insert(row: ApiKeyRow): Promise<void>;
  /** The key with this id, revoked or not. */
  find(keyId: string): Promise<ApiKeyRow | undefined>;
  /** Revokes the active key named `name`; returns how many keys were revoked (0 or 1). */
  revoke(name: string, at: number): Promise<number>;
  /** Every key, newest first, revoked ones included. */
  list(): Promise<ApiKeyRow[]>;
  /** How many keys of `scope` are neither revoked nor expired at `now`. */
  countActive(scope: ApiKeyScope, now: number): Promise<number>;
}

/** The API key repository on an open store's database. Raises nothing itself. */
export function createApiKeyRepo(db: StoreDb): ApiKeyRepo {
  return db.dialect === "postgres" ? createPgRepo(db.sql) : createSqliteRepo(db.db);
}

type Row = Record<string, unknown>;

function fromRow(row: Row): ApiKeyRow {
  return {
    keyId: String(row.key_id),
    name: String(row.name),
    scope: row.scope === "admin" ? "admin" : "mcp",
    hash: String(row.hash),
    tools: JSON.parse(String(row.tools)),
    groups: JSON.parse(String(row.groups)),
    createdAt: Number(row.created_at),
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
  };
}

function nameTaken(name: string): GatewayError {
  return new GatewayError("CONFLICT", `Cannot create client "${name}": it already has a key`);
}

function createPgRepo(sql: Sql): ApiKeyRepo {
  return {
    async insert(row) {
      try {
        await sql`INSERT INTO api_keys (key_id, name, scope, hash, tools, groups, created_at,
            expires_at, revoked_at)
          VALUES (${row.keyId}, ${row.name}, ${row.scope}, ${row.hash},
            ${JSON.stringify(row.tools)}, ${JSON.stringify(row.groups)}, ${row.createdAt},
            ${row.expiresAt}, ${row.revokedAt})`;
      } catch (error) {
        if ((error as { code?: string }).code === "23505") throw nameTaken(row.name);
        throw error;
      }
    },
    async find(keyId) {
      const rows = await sql`SELECT * FROM api_keys WHERE key_id = ${keyId}`;
      return rows[0] === undefined ? undefined : fromRow(rows[0]);
    },
    async revoke(name, at) {
      const rows = await sql`UPDATE api_keys SET revoked_at = ${at}
        WHERE name = ${name} AND revoked_at IS NULL RETURNING key_id`;
      return rows.length;
    },
    async list() {
      const rows = await sql`SELECT * FROM api_keys ORDER BY created_at DESC, key_id`;
      return rows.map(fromRow);
    },
    async countActive(scope, now) {
      const rows = await sql`SELECT count(*)::int AS n FROM api_keys
        WHERE scope = ${scope} AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ${now})`;
      return Number(rows[0]?.n ?? 0);
    },
  };
}

function createSqliteRepo(db: DatabaseSync): ApiKeyRepo {
  const all = (query: string, ...params: SQLInputValue[]) =>
    db.prepare(query).all(...params) as Row[];
  // Why retryingBusy: a key created while another process holds the write lock waits on a timer
  // and fails with a clear error after the deadline, instead of freezing the event loop.
  return retryingBusy<ApiKeyRepo>({
    insert(row) {
      try {
        db.prepare(`INSERT INTO api_keys (key_id, name, scope, hash, tools, groups, created_at,
            expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
          row.keyId,
          row.name,
          row.scope,
          row.hash,
          JSON.stringify(row.tools),
          JSON.stringify(row.groups),
          row.createdAt,
          row.expiresAt,
          row.revokedAt,
        );
      } catch (error) {
        if (/UNIQUE constraint failed/.test(String(error))) {
          return Promise.reject(nameTaken(row.name));
        }
        return Promise.reject(error);
      }
      return Promise.resolve();
    },
    find(keyId) {
      const row = all(`SELECT * FROM api_keys WHERE key_id = ?`, keyId)[0];
      return Promise.resolve(row === undefined ? undefined : fromRow(row));
    },
    revoke(name, at) {
      const result = db.prepare(
        `UPDATE api_keys SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL`,
      ).run(at, name);
      return Promise.resolve(Number(result.changes));
    },
    list() {
      return Promise.resolve(
        all(`SELECT * FROM api_keys ORDER BY created_at DESC, key_id`).map(fromRow),
      );
    },
    countActive(scope, now) {
      const row = all(
        `SELECT count(*) AS n FROM api_keys WHERE scope = ? AND revoked_at IS NULL
          AND (expires_at IS NULL OR expires_at > ?)`,
        scope,
        now,
      )[0];
      return Promise.resolve(Number(row?.n ?? 0));
    },
  }, { action: "change API keys" });
}
