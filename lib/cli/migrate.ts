/**
 * `nexus migrate`: applies pending store migrations, re-seals credentials left in an older sealed
 * format (with the master key), and prints what it did. `serve` does the same on start; this
 * command lets a deployment migrate before rolling out new instances.
 */

import type { Config } from "../config/mod.ts";
import { SEAL_FORMAT } from "../credentials/mod.ts";
import { openStore, type Store } from "../store/mod.ts";
import { openVault } from "../gateway/mod.ts";
import { messageOf, writeErr, writeOut } from "./io.ts";

/** Runs `migrate`; returns the exit code. Raises nothing. */
export async function runMigrate(config: Config): Promise<number> {
  try {
    const store = await openStore(config, { migrate: false });
    try {
      const result = await store.migrate();
      for (const id of result.applied) writeOut(`Applied ${id}`);
      writeOut(
        `${store.location}: ${result.applied.length} migration(s) applied, ${result.total} in total`,
      );
      return await resealCredentials(config, store);
    } finally {
      await store.close();
    }
  } catch (error) {
    writeErr(messageOf(error));
    return 1;
  }
}

/**
 * Re-seals older-format credential blobs with the master key; without one, says that some are
 * left (the gateway re-seals them when it starts with the key). Loads no key when none are left.
 */
async function resealCredentials(config: Config, store: Store): Promise<number> {
  const left = await store.credentials.listSealedBelowFormat(SEAL_FORMAT, 1);
  if (left.length === 0) return 0;
  const opened = await openVault(config, { store });
  if (!opened.hasKeyring) {
    writeErr(
      "Credentials sealed in an older format are left: they are re-sealed when the gateway starts with the master key, or run nexus migrate again with NEXUS_MASTER_KEY or NEXUS_MASTER_KEY_FILE set",
    );
    return 0;
  }
  const report = await opened.vault.resealAll();
  writeOut(
    `Credentials re-sealed in format ${SEAL_FORMAT}: ${report.resealed} (raced ${report.raced}, failed ${report.failed})`,
  );
  return report.failed === 0 ? 0 : 1;
}
