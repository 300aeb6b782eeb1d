/**
 * API keys at rest: a key id (the public part of the key, the row's primary key), the SHA-256 of
 * the secret part, and what the key may do. The key itself is never stored. Written once on
 * the dialect seam; a revoked key keeps its row (and its name frees up for a new key).
 */

import { GatewayError } from "../errors.ts";
import { type Database, sql } from "./dialect.ts";
import { firstOf, int, json, orNull, rowReader, text } from "./rows.ts";

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

/** The API key repository on an open database. Raises what `ApiKeyRepo` documents. */
export function createApiKeyRepo(database: Database): ApiKeyRepo {
  // Why scoped: a key created while another process holds the write lock waits on a timer and
  // fails with a clear error after the deadline, instead of freezing the event loop.
  const db = database.scoped("change API keys");
  return {
    async insert(row) {
      try {
        await db.run(sql`INSERT INTO api_keys (key_id, name, scope, hash, tools, groups,
            created_at, expires_at, revoked_at)
          VALUES (${row.keyId}, ${row.name}, ${row.scope}, ${row.hash},
            ${JSON.stringify(row.tools)}, ${JSON.stringify(row.groups)}, ${row.createdAt},
            ${row.expiresAt}, ${row.revokedAt})`);
      } catch (error) {
        if (db.isUniqueViolation(error)) throw nameTaken(row.name);
        throw error;
      }
    },
    async find(keyId) {
      return firstOf(await db.all(sql`SELECT * FROM api_keys WHERE key_id = ${keyId}`), toKey);
    },
    async revoke(name, at) {
      const rows = await db.all(sql`UPDATE api_keys SET revoked_at = ${at}
        WHERE name = ${name} AND revoked_at IS NULL RETURNING key_id`);
      return rows.length;
    },
    async list() {
      const rows = await db.all(sql`SELECT * FROM api_keys ORDER BY created_at DESC, key_id`);
      return rows.map(toKey);
    },
    async countActive(scope, now) {
      const rows = await db.all(sql`SELECT count(*) AS n FROM api_keys
        WHERE scope = ${scope} AND revoked_at IS NULL
          AND (expires_at IS NULL OR expires_at > ${now})`);
      return rows[0] === undefined ? 0 : int(rows[0].n, "n");
    },
  };
}

const toKey = rowReader<ApiKeyRow>({
  keyId: text,
  name: text,
  scope: (value) => value === "admin" ? "admin" : "mcp",
  hash: text,
  tools: json<string[]>,
  groups: json<string[]>,
  createdAt: int,
  expiresAt: orNull(int),
  revokedAt: orNull(int),
});

function nameTaken(name: string): GatewayError {
  return new GatewayError("CONFLICT", `Cannot create client "${name}": it already has a key`);
}
