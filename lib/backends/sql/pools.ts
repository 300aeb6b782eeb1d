/**
 * One bounded connection pool per configured database, opened on a database's first call and
 * closed when no tool uses the database any more (after a reload) or when the gateway closes.
 */

import type { Logger } from "../../log.ts";
import type { DatabaseDriver, DatabaseSettings } from "./driver.ts";
import { createMysqlDriver } from "./mysql.ts";
import { createPostgresDriver } from "./postgres.ts";

/** The databases SQL tools may query, each with its lazily opened pool. */
export interface DatabasePools {
  /** The settings of database `name`; undefined when the config names no such database. */
  settings(name: string): DatabaseSettings | undefined;
  /** The pool of database `name`, opened now if it is not open; undefined when unknown. */
  driver(name: string): DatabaseDriver | undefined;
  /** Names of the databases whose pool is open. */
  open(): string[];
  /** Closes the pools of databases not in `used` (they reopen on their next call). */
  retain(used: ReadonlySet<string>): Promise<void>;
  /** Closes every pool; later calls open them again. */
  close(): Promise<void>;
}

/** Pools for `databases`, none opened yet; raises nothing. */
export function createDatabasePools(
  databases: readonly DatabaseSettings[],
  options: { logger: Logger },
): DatabasePools {
  const byName = new Map(databases.map((database) => [database.name, database]));
  const drivers = new Map<string, DatabaseDriver>();
  async function closeOne(name: string): Promise<void> {
    const driver = drivers.get(name);
    if (driver === undefined) return;
    drivers.delete(name);
    try {
      await driver.close();
      options.logger.info("Database pool closed", { database: name });
    } catch (error) {
      const reason = error instanceof Error ? error.name : "unknown error";
      options.logger.warn("Database pool did not close cleanly", { database: name, reason });
    }
  }
  return {
    settings: (name) => byName.get(name),
    driver(name) {
      const settings = byName.get(name);
      if (settings === undefined) return undefined;
      let driver = drivers.get(name);
      if (driver === undefined) {
        driver = settings.kind === "mysql"
          ? createMysqlDriver(settings)
          : createPostgresDriver(settings);
        drivers.set(name, driver);
        options.logger.info("Database pool opened", { database: name, kind: settings.kind });
      }
      return driver;
    },
    open: () => [...drivers.keys()],
    async retain(used) {
      for (const name of [...drivers.keys()]) if (!used.has(name)) await closeOne(name);
    },
    async close() {
      await Promise.all([...drivers.keys()].map(closeOne));
    },
  };
}
