/**
 * The embedded store behind the dialect seam: statements become text with `?` placeholders on a
 * `node:sqlite` connection. The connection never waits inside SQLite (see `sqlite.ts`): every
 * statement and transaction runs through `retryBusy`, so a lock held by another process is
 * waited for on a timer.
 *
 * One connection serves the whole process, and `node:sqlite` runs a transaction's statements on
 * it between `await`s; so while a transaction is open, every other statement on this connection
 * waits for it (a gate), or it would run inside that transaction.
 */

import type { DatabaseSync, SQLInputValue, StatementSync } from "node:sqlite";
import {
  type Database,
  type Executor,
  flatten,
  type Row,
  sql,
  type SqlValue,
  type Statement,
  type TransactionOptions,
} from "./dialect.ts";
import { retryBusy } from "./sqlite.ts";

/** SQLite's extended result codes for a UNIQUE and a PRIMARY KEY constraint failure. */
const UNIQUE_CODES = new Set([2067, 1555]);

/** The open transaction other statements wait for; undefined when none is open. */
interface Gate {
  open?: Promise<void>;
}

/** The seam on an open `node:sqlite` connection at `path`. */
export function createSqliteDatabase(database: DatabaseSync, path: string): Database {
  return build(database, { path, gate: {}, action: "use the store" });
}

function build(
  database: DatabaseSync,
  context: { path: string; gate: Gate; action: string },
): Database {
  const direct = directExecutor(database);
  const retry = { action: context.action };
  // Why the gate is awaited in the same function that runs the statement: nothing may open a
  // transaction between the check and the statement.
  async function outside<T>(fn: () => Promise<T>): Promise<T> {
    while (context.gate.open !== undefined) await context.gate.open;
    return await fn();
  }
  return {
    dialect: "sqlite",
    location: context.path,
    all: (statement) => retryBusy(() => outside(() => direct.all(statement)), retry),
    run: (statement) => retryBusy(() => outside(() => direct.run(statement)), retry),
    exec: (script) => retryBusy(() => outside(() => direct.exec(script)), retry),
    transaction<T>(fn: (tx: Executor) => Promise<T>, options: TransactionOptions = {}) {
      const relaxed = options.durability === "relaxed";
      const attempt = () => inTransaction(database, context.gate, () => fn(direct), relaxed);
      return options.busy === "fail" ? attempt() : retryBusy(attempt, retry);
    },
    scoped: (action) => build(database, { ...context, action }),
    isUniqueViolation: (error) => UNIQUE_CODES.has((error as { errcode?: number })?.errcode ?? 0),
    isLockTimeout: () => false,
    ping: () => outside(() => direct.all(sql`SELECT 1`)).then(() => true, () => false),
    close() {
      if (database.isOpen) database.close();
      return Promise.resolve();
    },
  };
}

/**
 * Runs `fn` between `BEGIN IMMEDIATE` and `COMMIT` (the write lock is taken at once, so two
 * processes never both read and then both write), holding the gate. A busy `BEGIN` ran nothing.
 * `relaxed`: `synchronous = NORMAL` for this transaction only (open.ts sets FULL).
 */
async function inTransaction<T>(
  database: DatabaseSync,
  gate: Gate,
  fn: () => Promise<T>,
  relaxed = false,
) {
  while (gate.open !== undefined) await gate.open;
  const { promise, resolve } = Promise.withResolvers<void>();
  gate.open = promise;
  try {
    // Why per transaction: the setting is the connection's, and the gate keeps every other
    // statement of this process out until it is FULL again.
    if (relaxed) database.exec("PRAGMA synchronous = NORMAL");
    database.exec("BEGIN IMMEDIATE");
    try {
      const result = await fn();
      database.exec("COMMIT");
      return result;
    } catch (error) {
      if (database.isTransaction) database.exec("ROLLBACK");
      throw error;
    }
  } finally {
    // Why nested: the gate is released even if the connection refuses the setting back.
    try {
      if (relaxed) database.exec("PRAGMA synchronous = FULL");
    } finally {
      gate.open = undefined;
      resolve();
    }
  }
}

/** Prepared statements kept per connection, the least recently used dropped first. */
const STATEMENT_CACHE_SIZE = 64;

/** Statements run at once on the connection, for inside a transaction (and under the gate). */
function directExecutor(database: DatabaseSync): Executor {
  // Why a cache: compiling a statement costs far more than running it (an audit batch of 200
  // rows was ~40–90 µs a call, mostly `prepare`); SQLite re-prepares a cached statement itself
  // when the schema changes.
  const prepared = new Map<string, StatementSync>();
  function prepare(statement: Statement) {
    const { strings, values } = flatten(statement);
    const text = strings.join("?");
    let query = prepared.get(text);
    if (query === undefined) {
      query = database.prepare(text);
      if (prepared.size >= STATEMENT_CACHE_SIZE) {
        prepared.delete(prepared.keys().next().value as string);
      }
    } else {
      prepared.delete(text);
    }
    prepared.set(text, query);
    return { query, params: values.map(toSqlite) };
  }
  return {
    dialect: "sqlite",
    all: (statement) =>
      settle(() => {
        const { query, params } = prepare(statement);
        return query.all(...params) as Row[];
      }),
    run: (statement) =>
      settle(() => {
        const { query, params } = prepare(statement);
        return Number(query.run(...params).changes);
      }),
    exec: (script) => settle(() => database.exec(script)),
  };
}

/** `fn()` as a promise: `node:sqlite` throws synchronously, callers see one failure path. */
function settle<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (error) {
    return Promise.reject(error);
  }
}

function toSqlite(value: SqlValue): SQLInputValue {
  return typeof value === "boolean" ? (value ? 1 : 0) : value;
}
