/**
 * The dialect seam: a repository writes each statement once, as a tagged template
 * (`` sql`SELECT * FROM credentials WHERE id = ${id}` ``), and a {@linkcode Database} runs it on
 * postgres.js (handed to its own tagged template, so every value stays a bound parameter) or on
 * `node:sqlite` (text with `?` placeholders). Values are never spliced into the SQL text; a
 * nested statement (a fragment) is.
 *
 * What differs by dialect lives behind the seam: how a transaction holds its lock, how a locked
 * embedded file is waited for (`retryBusy`, never on the event loop) and how driver errors read
 * ({@linkcode Database.isUniqueViolation}). Rows come back as plain objects keyed by column;
 * `rows.ts` reads them into typed values.
 */

import type { StoreDialect } from "./types.ts";

/** A value bound as a statement parameter. Booleans become 1/0 on SQLite. */
export type SqlValue = string | number | bigint | boolean | null | Uint8Array;

/** One statement or fragment: the SQL text pieces and what goes between them. */
export interface Statement {
  /** The text pieces; one more than `values`. */
  readonly strings: readonly string[];
  /** Bound values, or nested fragments spliced in as SQL. */
  readonly values: readonly (SqlValue | Statement)[];
}

/** A database row as a driver returns it, keyed by column name. */
export type Row = Record<string, unknown>;

/** Runs statements: the database itself, or a transaction on it. */
export interface Executor {
  /** Which database runs the statements. */
  readonly dialect: StoreDialect;
  /** Runs a statement and returns its rows (`SELECT`, or `… RETURNING`). */
  all(statement: Statement): Promise<Row[]>;
  /** Runs a statement and returns how many rows it changed. */
  run(statement: Statement): Promise<number>;
  /** Runs a script of parameterless statements (migration DDL). */
  exec(script: string): Promise<void>;
}

/** Options for {@linkcode Database.transaction}. */
export interface TransactionOptions {
  /**
   * Embedded store only: `fail` rethrows SQLite's busy error when another process holds the
   * write lock, for a caller that polls on its own deadline; default `retry` (`retryBusy`).
   */
  busy?: "retry" | "fail";
  /**
   * `relaxed`: the commit does not wait for the disk (SQLite `synchronous = NORMAL` in WAL mode,
   * Postgres `synchronous_commit = off`): a power cut or OS crash may lose it, never corrupt the
   * store. For records the caller already holds in memory for a while (audit batches); default
   * `full`.
   */
  durability?: "full" | "relaxed";
}

/** An open database behind the seam. */
export interface Database extends Executor {
  /** Where the data lives, with no password. */
  readonly location: string;
  /**
   * Runs `fn` in a transaction, committed when it resolves and rolled back when it throws. On
   * the embedded store `fn` holds the write lock (`BEGIN IMMEDIATE`) and every other statement on
   * this connection waits for it, so `fn` must run statements only, and may run again when the
   * lock was busy.
   */
  transaction<T>(fn: (tx: Executor) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** The same database, naming `action` when the embedded store stays locked past its deadline. */
  scoped(action: string): Database;
  /** Whether `error` is a unique-key (or primary-key) violation. */
  isUniqueViolation(error: unknown): boolean;
  /** Whether `error` is a lock wait that ran out (`lock_timeout` on Postgres; never on SQLite). */
  isLockTimeout(error: unknown): boolean;
  /** Whether the database answers a trivial query. */
  ping(): Promise<boolean>;
  /** Closes the handle; the database is unusable after. */
  close(): Promise<void>;
}

/** Builds a statement or fragment from a template: values bind, nested statements splice in. */
export function sql(
  strings: TemplateStringsArray,
  ...values: readonly (SqlValue | Statement)[]
): Statement {
  return { strings: [...strings], values };
}

/** `parts` separated by `separator` (a fragment), e.g. the rows of a multi-row `VALUES`. */
export function join(parts: readonly Statement[], separator: Statement): Statement {
  const values: Statement[] = [];
  parts.forEach((part, i) => {
    if (i > 0) values.push(separator);
    values.push(part);
  });
  return { strings: ["", ...values.map(() => "")], values };
}

/** `(v1, v2, …)`: one row of values, each bound. */
export function tuple(values: readonly SqlValue[]): Statement {
  const strings = values.length === 0 ? ["()"] : ["(", ...values.slice(1).map(() => ", "), ")"];
  return { strings, values };
}

/** A statement with every fragment spliced in: text pieces and bound values only. */
export interface FlatStatement {
  /** The text pieces; one more than `values`. */
  strings: string[];
  /** The bound values. */
  values: SqlValue[];
}

/** Splices nested fragments into their parent, keeping every value bound. */
export function flatten(statement: Statement): FlatStatement {
  const out: FlatStatement = { strings: [], values: [] };
  out.strings.push(append(out, statement, ""));
  return out;
}

/** Appends `statement` after the pending text `head`; returns the text pending after it. */
function append(out: FlatStatement, statement: Statement, head: string): string {
  let pending = head + (statement.strings[0] ?? "");
  statement.values.forEach((value, i) => {
    if (isStatement(value)) {
      pending = append(out, value, pending);
    } else {
      out.strings.push(pending);
      out.values.push(value);
      pending = "";
    }
    pending += statement.strings[i + 1] ?? "";
  });
  return pending;
}

function isStatement(value: SqlValue | Statement): value is Statement {
  return typeof value === "object" && value !== null && !(value instanceof Uint8Array);
}
