/**
 * What the SQL backend asks of a database driver (PostgreSQL or MySQL/MariaDB), and what a
 * configured database looks like to it.
 */

import type { JsonValue } from "../../registry/types.ts";
import type { Secret } from "../../secret.ts";

/** One configured database, as the gateway config's `databases:` entry gives it. */
export interface DatabaseSettings {
  /** The name tools refer to it by (`sql.database`). */
  readonly name: string;
  /** Which wire protocol to speak. */
  readonly kind: "postgres" | "mysql";
  /** The connection URL; it may hold the password, so it is only revealed to the driver. */
  readonly url: Secret;
  /** Connections the pool opens at most. */
  readonly maxConnections: number;
  /** Statement timeout in milliseconds for tools that set none. */
  readonly statementTimeout: number;
  /** Rows returned at most for tools that set no `maxRows`. */
  readonly maxRows: number;
  /** Bytes of result (rows as JSON) returned at most. */
  readonly maxBytes: number;
}

/** One query to run: the SQL split at its placeholders and the values bound to them. */
export interface SqlRequest {
  /** Literal SQL around the placeholders: `text[0] + param 0 + text[1] + …`. */
  readonly text: readonly string[];
  /** The value bound for each placeholder, in order of appearance. */
  readonly values: readonly unknown[];
  /** Placeholder names in order of appearance (a driver numbering by name reuses a number). */
  readonly names: readonly string[];
  /** False: the query runs in a read-only transaction. */
  readonly write: boolean;
  /** The statement timeout, in milliseconds. */
  readonly timeoutMs: number;
  /** The driver fetches at most this many rows (the backend asks for its limit plus one). */
  readonly fetchRows: number;
  /** Fires when the client cancels or the call's deadline passes: the driver stops the query. */
  readonly signal: AbortSignal;
}

/** A result column: its name and the database's name for its type. */
export interface SqlColumn {
  /** The column name as the query labels it. */
  name: string;
  /** The database's type name (`numeric`, `int8`, `timestamptz`, `blob`, …). */
  type: string;
}

/** What a driver read: columns, rows already turned into JSON values, rows affected. */
export interface SqlRows {
  /** The result's columns, in order. */
  columns: SqlColumn[];
  /** At most `fetchRows` rows, each value in column order. */
  rows: JsonValue[][];
  /** Rows a statement without a result set changed; absent for queries that return rows. */
  affected?: number;
}

/** A pool for one database. */
export interface DatabaseDriver {
  /**
   * Runs one query in its own transaction.
   * @throws the driver's own error; the backend classifies it.
   */
  run(request: SqlRequest): Promise<SqlRows>;
  /** Closes every connection, letting running queries finish for a moment. */
  close(): Promise<void>;
}
