/**
 * `nexus migrate`: applies pending store migrations and prints what it did. `serve` does the same
 * on start; this command lets a deployment migrate before rolling out new instances.
 */

import type { Config } from "../config/mod.ts";
import { migrate, openStore } from "../store/mod.ts";
import { messageOf, writeErr, writeOut } from "./io.ts";

/** Runs `migrate`; returns the exit code. Raises nothing. */
export async function runMigrate(config: Config): Promise<number> {
  try {
    const store = await openStore(config, { migrate: false });
    try {
      const result = await migrate(store.db);
      for (const id of result.applied) writeOut(`Applied ${id}`);
      writeOut(
        `${store.location}: ${result.applied.length} migration(s) applied, ${result.total} in total`,
      );
      return 0;
    } finally {
      await store.close();
    }
  } catch (error) {
    writeErr(messageOf(error));
    return 1;
  }
}
