/**
 * The audit log at rest: one row per finished `tools/call`, appended in batches, queried by
 * client, tool and time, pruned by age. One branch per dialect. Never holds a secret: the audit
 * layer hashes (and, when configured, redacts) arguments before they get here.
 */

import type { DatabaseSync, SQLInputValue } from "node:sqlite";
import type { Sql } from "postgres";
import { retryBusy, retryingBusy, transaction } from "./sqlite.ts";
import type { StoreDb } from "./types.ts";

/** One audited call. Times are epoch milliseconds. */
export interface AuditRow {
  /** When the call started (for an aggregate record, when its window started). */
  at: number;
  /** The gateway's id for the request, as its log lines and error messages name it. */
  requestId: string;
  /** Stable principal id: `key:<key id>`, `jwt:<issuer>#<subject>`, `anon:<address>`, `stdio`. */
  clientId: string;
  /** The principal's human-readable name, as the client chose or was given it. */
  clientName: string;
  /** How the caller authenticated: `api_key`, `jwt`, `anonymous` or `stdio`. */
  clientKind: string;
  /** Virtual server: `default` for `/mcp`. */
  server: string;
  /** The tool name the client asked for, cut at 256 characters; `*` in an aggregate record. */
  tool: string;
  /** Keyed hash (HMAC-SHA-256, hex) of the redacted arguments in canonical JSON. */
  argsHash: string;
  /** Redacted arguments as JSON, only when the gateway is configured to keep them. */
  args: string | null;
  /**
   * `ok`, `tool_error` (an `isError` result), `error` (a protocol error) or `suppressed` (an
   * aggregate of sampled-out refused calls: the count is in `args`).
   */
  outcome: string;
  /** The GatewayError code of an `error` (or the refusals a `suppressed` row counts); else null. */
  errorCode: string | null;
  /** Time the call took, in milliseconds (microsecond precision). */
  durationMs: number;
  /** The backend's HTTP status when a stage recorded one; null otherwise. */
  backendStatus: number | null;
  /** True when the result came from the response cache; null otherwise. */
  cacheHit: boolean | null;
  /** True when the call shared the result of an identical call in flight; null otherwise. */
  coalesced: boolean | null;
  /** The credential the call used; null when it used none. */
  credentialName: string | null;
  /** That credential's version; null when it used none. */
  credentialVersion: number | null;
}

/** A stored row with its sequence id. */
export type StoredAuditRow = AuditRow & { id: number };

/** What to read back; every filter optional. */
export interface AuditFilter {
  /** Matches the client name or the client id exactly. */
  client?: string;
  /** Matches the tool name exactly. */
  tool?: string;
  /** Rows at or after this time. */
  since?: number;
  /** Rows with an id greater than this (tailing). */
  afterId?: number;
  /** Most rows returned. */
  limit: number;
  /** `desc`: newest first (default); `asc`: oldest first. */
  order?: "asc" | "desc";
}

/** Audit storage. */
export interface AuditRepo {
  /** Appends rows in one transaction. */
  append(rows: readonly AuditRow[]): Promise<void>;
  /** Rows matching every filter given, ordered by id. */
  query(filter: AuditFilter): Promise<StoredAuditRow[]>;
  /** Deletes rows older than `before`; returns how many. */
  prune(before: number): Promise<number>;
}

/** The audit repository on an open store's database. Raises nothing itself. */
export function createAuditRepo(db: StoreDb): AuditRepo {
  return db.dialect === "postgres" ? createPgRepo(db.sql) : createSqliteRepo(db.db);
}

const COLUMNS = [
  "at",
  "request_id",
  "client_id",
  "client_name",
  "client_kind",
  "server",
  "tool",
  "args_hash",
  "args",
  "outcome",
  "error_code",
  "duration_ms",
  "backend_status",
  "cache_hit",
  "coalesced",
  "credential_name",
  "credential_version",
] as const;

type Row = Record<string, unknown>;

function toColumns(
  row: AuditRow,
): Record<(typeof COLUMNS)[number], string | number | boolean | null> {
  return {
    at: row.at,
    request_id: row.requestId,
    client_id: row.clientId,
    client_name: row.clientName,
    client_kind: row.clientKind,
    server: row.server,
    tool: row.tool,
    args_hash: row.argsHash,
    args: row.args,
    outcome: row.outcome,
    error_code: row.errorCode,
    duration_ms: row.durationMs,
    backend_status: row.backendStatus,
    cache_hit: row.cacheHit,
    coalesced: row.coalesced,
    credential_name: row.credentialName,
    credential_version: row.credentialVersion,
  };
}

function fromColumns(row: Row): StoredAuditRow {
  const maybeNumber = (value: unknown) => value === null ? null : Number(value);
  const maybeBool = (value: unknown) => value === null ? null : value === true || value === 1;
  const maybeString = (value: unknown) => value === null ? null : String(value);
  return {
    id: Number(row.id),
    at: Number(row.at),
    requestId: String(row.request_id),
    clientId: String(row.client_id),
    clientName: String(row.client_name),
    clientKind: String(row.client_kind),
    server: String(row.server),
    tool: String(row.tool),
    argsHash: String(row.args_hash),
    args: maybeString(row.args),
    outcome: String(row.outcome),
    errorCode: maybeString(row.error_code),
    durationMs: Number(row.duration_ms),
    backendStatus: maybeNumber(row.backend_status),
    cacheHit: maybeBool(row.cache_hit),
    coalesced: maybeBool(row.coalesced),
    credentialName: maybeString(row.credential_name),
    credentialVersion: maybeNumber(row.credential_version),
  };
}

function createPgRepo(sql: Sql): AuditRepo {
  return {
    async append(rows) {
      if (rows.length === 0) return;
      await sql`INSERT INTO audit_log ${sql(rows.map(toColumns), ...COLUMNS)}`;
    },
    async query(filter) {
      const rows = await sql`SELECT * FROM audit_log WHERE true
        ${
        filter.client === undefined ? sql`` : sql`AND (client_name = ${filter.client}
          OR client_id = ${filter.client})`
      }
        ${filter.tool === undefined ? sql`` : sql`AND tool = ${filter.tool}`}
        ${filter.since === undefined ? sql`` : sql`AND at >= ${filter.since}`}
        ${filter.afterId === undefined ? sql`` : sql`AND id > ${filter.afterId}`}
        ORDER BY id ${filter.order === "asc" ? sql`ASC` : sql`DESC`}
        LIMIT ${filter.limit}`;
      return rows.map(fromColumns);
    },
    async prune(before) {
      const result = await sql`DELETE FROM audit_log WHERE at < ${before}`;
      return result.count;
    },
  };
}

function createSqliteRepo(db: DatabaseSync): AuditRepo {
  const placeholders = COLUMNS.map(() => "?").join(", ");
  const insertSql = `INSERT INTO audit_log (${COLUMNS.join(", ")}) VALUES (${placeholders})`;
  // Why retryingBusy: while another process holds the write lock, an append waits on a timer
  // (the audit log keeps its rows buffered meanwhile), never on the event loop.
  const repo = retryingBusy({
    append(rows: readonly AuditRow[]) {
      if (rows.length === 0) return;
      const insert = db.prepare(insertSql);
      transaction(db, () => {
        for (const row of rows) insert.run(...Object.values(toColumns(row)).map(sqliteValue));
      });
    },
    query(filter: AuditFilter) {
      const where: string[] = [];
      const params: SQLInputValue[] = [];
      if (filter.client !== undefined) {
        where.push("(client_name = ? OR client_id = ?)");
        params.push(filter.client, filter.client);
      }
      if (filter.tool !== undefined) where.push("tool = ?"), params.push(filter.tool);
      if (filter.since !== undefined) where.push("at >= ?"), params.push(filter.since);
      if (filter.afterId !== undefined) where.push("id > ?"), params.push(filter.afterId);
      const clause = where.length === 0 ? "" : `WHERE ${where.join(" AND ")}`;
      const order = filter.order === "asc" ? "ASC" : "DESC";
      const rows = db.prepare(`SELECT * FROM audit_log ${clause} ORDER BY id ${order} LIMIT ?`)
        .all(...params, filter.limit) as Row[];
      return rows.map(fromColumns);
    },
  }, { action: "write the audit log" });
  return { ...repo, prune: (before) => pruneInChunks(db, before) };
}

/** Rows one prune statement deletes: a few ms of the event loop (deleted rows are zeroed). */
const PRUNE_CHUNK = 500;

/**
 * Deletes rows older than `before` a chunk at a time, with a macrotask between chunks.
 * Why: a first prune after a long retention can hit millions of rows; one synchronous DELETE
 * would hold the event loop for all of them.
 */
async function pruneInChunks(db: DatabaseSync, before: number): Promise<number> {
  const remove = db.prepare(`DELETE FROM audit_log WHERE id IN
    (SELECT id FROM audit_log WHERE at < ? ORDER BY id LIMIT ${PRUNE_CHUNK})`);
  let removed = 0;
  for (;;) {
    const changes = await retryBusy(() => Number(remove.run(before).changes), {
      action: "prune the audit log",
    });
    removed += changes;
    if (changes < PRUNE_CHUNK) return removed;
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

function sqliteValue(value: string | number | boolean | null): SQLInputValue {
  return typeof value === "boolean" ? (value ? 1 : 0) : value;
}
