/**
 * PostgreSQL behind the dialect seam: a statement is handed to postgres.js's own tagged template
 * (text pieces and values, never concatenated), so every value stays a bound parameter.
 */

import type { ParameterOrFragment, Sql, TransactionSql } from "postgres";
import {
  type Database,
  type Executor,
  flatten,
  type Row,
  type Statement,
  type TransactionOptions,
} from "./dialect.ts";

/** SQLSTATE of a unique-key violation. */
const UNIQUE_VIOLATION = "23505";
/** SQLSTATE of a lock wait that passed `lock_timeout`. */
const LOCK_NOT_AVAILABLE = "55P03";

/** The seam on a postgres.js pool; `location` names it with no password. */
export function createPostgresDatabase(pool: Sql, location: string): Database {
  const executor = executorOn(pool);
  const database: Database = {
    ...executor,
    location,
    async transaction<T>(
      fn: (tx: Executor) => Promise<T>,
      options: TransactionOptions = {},
    ): Promise<T> {
      // Why: postgres.js types `begin` as returning unwrapped arrays; the value goes around it.
      const out: { value?: T } = {};
      await pool.begin(async (tx) => {
        if (options.durability === "relaxed") await tx`SET LOCAL synchronous_commit = off`;
        out.value = await fn(executorOn(tx));
      });
      return out.value as T;
    },
    scoped: () => database,
    isUniqueViolation: (error) => codeOf(error) === UNIQUE_VIOLATION,
    isLockTimeout: (error) => codeOf(error) === LOCK_NOT_AVAILABLE,
    async ping() {
      try {
        await pool`SELECT 1`;
        return true;
      } catch {
        return false;
      }
    },
    close: () => pool.end({ timeout: 5 }),
  };
  return database;
}

function executorOn(sql: Sql | TransactionSql): Executor {
  return {
    dialect: "postgres",
    async all(statement) {
      return [...await query(sql, statement)] as Row[];
    },
    async run(statement) {
      return (await query(sql, statement)).count;
    },
    async exec(script) {
      await sql.unsafe(script).simple();
    },
  };
}

function query(sql: Sql | TransactionSql, statement: Statement) {
  const { strings, values } = flatten(statement);
  const template = Object.assign([...strings], { raw: strings }) as TemplateStringsArray;
  return sql(template, ...values as ParameterOrFragment<never>[]);
}

function codeOf(error: unknown): string | undefined {
  return (error as { code?: string } | null)?.code;
}
