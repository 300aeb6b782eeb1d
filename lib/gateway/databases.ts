/**
 * The databases SQL tools query: one lazily opened pool each, from the config's `databases:`.
 * After a tool reload the pools of databases no tool names any more are closed; all close with
 * the gateway.
 */

import { createDatabasePools, type DatabasePools } from "../backends/mod.ts";
import type { Config } from "../config/mod.ts";
import type { Logger } from "../log.ts";
import type { RegistrySnapshot } from "../registry/mod.ts";

/** Pools for every configured database, none connected yet; raises nothing. */
export function openDatabases(config: Config, logger: Logger): DatabasePools {
  return createDatabasePools(config.databases, { logger });
}

/** Closes the pools no tool of `snapshot` uses; raises nothing (a failed close is logged). */
export function retainUsedDatabases(pools: DatabasePools, snapshot: RegistrySnapshot): void {
  const used = new Set<string>();
  for (const tool of snapshot.tools) {
    if (tool.backend.kind === "sql") used.add(tool.backend.database);
  }
  void pools.retain(used);
}
