/**
 * The audit log at rest: one row per finished `tools/call`, appended in batches, queried by
 * client, tool and time, pruned by age. Written once on the dialect seam. Never holds a secret:
 * the audit layer hashes (and, when configured, redacts) arguments before they get here.
 */

import { type Database, join, sql, type SqlValue, type Statement, tuple } from "./dialect.ts";
import { bool, float, int, orNull, rowReader, text } from "./rows.ts";

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
  /** Matches the outcome exactly (`ok`, `tool_error`, `error`, `suppressed`). */
  outcome?: string;
  /** Rows at or after this time. */
  since?: number;
  /** Rows before this time. */
  until?: number;
  /** Rows with an id greater than this (tailing). */
  afterId?: number;
  /** Rows with an id smaller than this (paging back, newest first). */
  beforeId?: number;
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

/** The audit repository on an open database. Raises nothing itself. */
export function createAuditRepo(database: Database): AuditRepo {
  // Why scoped: while another process holds the embedded write lock, an append waits on a timer
  // (the audit log keeps its rows buffered meanwhile), never on the event loop.
  const db = database.scoped("write the audit log");
  return {
    async append(rows) {
      if (rows.length === 0) return;
      // Why fixed chunks on SQLite: the statement texts are then always the same two, so each is
      // compiled once and reused (compiling a 200-row INSERT cost more than running it);
      // Postgres keeps large multi-row statements, one round trip per chunk.
      const chunk = db.dialect === "sqlite" ? SQLITE_CHUNK : INSERT_CHUNK;
      // Why relaxed: a batch waited in memory up to the flush interval already; its commit need
      // not wait for the disk too (an fsync on the event loop per batch on the embedded store).
      await db.transaction(async (tx) => {
        for (let i = 0; i < rows.length;) {
          const size = rows.length - i >= chunk || chunk === INSERT_CHUNK ? chunk : 1;
          const values = rows.slice(i, i + size).map((row) => tuple(toColumns(row)));
          i += size;
          await tx.run(sql`INSERT INTO audit_log (${COLUMNS}) VALUES ${join(values, sql`, `)}`);
        }
      }, { durability: "relaxed" });
    },
    async query(filter) {
      const rows = await db.all(sql`SELECT * FROM audit_log WHERE true ${where(filter)}
        ORDER BY id ${filter.order === "asc" ? sql`ASC` : sql`DESC`} LIMIT ${filter.limit}`);
      return rows.map(toStored);
    },
    prune: (before) => pruneInChunks(database.scoped("prune the audit log"), before),
  };
}

/** Rows per `INSERT` statement: far below either driver's bound-parameter limit. */
const INSERT_CHUNK = 500;
/** Rows per `INSERT` on SQLite (the rest one by one), so only two statement texts ever occur. */
const SQLITE_CHUNK = 16;

/** The columns an audit row fills, in the order of {@linkcode toColumns}. */
const COLUMNS = sql`at, request_id, client_id, client_name, client_kind, server, tool, args_hash,
  args, outcome, error_code, duration_ms, backend_status, cache_hit, coalesced, credential_name,
  credential_version`;

function toColumns(row: AuditRow): SqlValue[] {
  return [
    row.at,
    row.requestId,
    row.clientId,
    row.clientName,
    row.clientKind,
    row.server,
    row.tool,
    row.argsHash,
    row.args,
    row.outcome,
    row.errorCode,
    row.durationMs,
    row.backendStatus,
    row.cacheHit,
    row.coalesced,
    row.credentialName,
    row.credentialVersion,
  ];
}

const toStored = rowReader<StoredAuditRow>({
  id: int,
  at: int,
  requestId: text,
  clientId: text,
  clientName: text,
  clientKind: text,
  server: text,
  tool: text,
  argsHash: text,
  args: orNull(text),
  outcome: text,
  errorCode: orNull(text),
  durationMs: float,
  backendStatus: orNull(int),
  cacheHit: orNull(bool),
  coalesced: orNull(bool),
  credentialName: orNull(text),
  credentialVersion: orNull(int),
});

/** The `AND …` conditions of a filter (none: an empty fragment). */
function where(filter: AuditFilter): Statement {
  const none = sql``;
  return sql`${
    filter.client === undefined
      ? none
      : sql`AND (client_name = ${filter.client} OR client_id = ${filter.client})`
  }
    ${filter.tool === undefined ? none : sql`AND tool = ${filter.tool}`}
    ${filter.outcome === undefined ? none : sql`AND outcome = ${filter.outcome}`}
    ${filter.since === undefined ? none : sql`AND at >= ${filter.since}`}
    ${filter.until === undefined ? none : sql`AND at < ${filter.until}`}
    ${filter.afterId === undefined ? none : sql`AND id > ${filter.afterId}`}
    ${filter.beforeId === undefined ? none : sql`AND id < ${filter.beforeId}`}`;
}

/** Rows one prune statement deletes: a few ms of the event loop (deleted rows are zeroed). */
const PRUNE_CHUNK = 500;

/**
 * Deletes rows older than `before` a chunk at a time, with a macrotask between chunks.
 * Why: a first prune after a long retention can hit millions of rows; one DELETE would hold the
 * embedded store's event loop (or one long Postgres transaction) for all of them.
 */
async function pruneInChunks(db: Database, before: number): Promise<number> {
  let removed = 0;
  for (;;) {
    const changes = await db.run(sql`DELETE FROM audit_log WHERE id IN
      (SELECT id FROM audit_log WHERE at < ${before} ORDER BY id LIMIT ${PRUNE_CHUNK})`);
    removed += changes;
    if (changes < PRUNE_CHUNK) return removed;
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}
