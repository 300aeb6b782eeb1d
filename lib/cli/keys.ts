/**
 * `nexus keys generate` prints a new master key; `nexus keys rotate` adds a KEK version (to the
 * key file, when one is configured) and re-wraps every data key under the newest version, online:
 * running gateways keep serving, since blobs under either version open while both are loaded.
 */

import type { Config } from "../config/mod.ts";
import { addKeyToFile, generateMasterKey } from "../credentials/mod.ts";
import { messageOf, parseSubcommand, writeErr, writeOut } from "./io.ts";
import { type OpenVault, openVault } from "../gateway/mod.ts";

const USAGE = `Usage:
  nexus keys generate            print a new base64 32-byte key (for NEXUS_MASTER_KEY)
  nexus keys rotate [--no-new-key]
      with NEXUS_MASTER_KEY_FILE: append a new key version to the file, then re-wrap every
      data key under it; with NEXUS_MASTER_KEY: re-wrap under its highest version (add the new
      version there first: "2:<new key>,1:<old key>")`;

/** Runs one `keys` subcommand; returns the exit code (2 for usage errors). Raises nothing. */
export async function runKeys(config: Config, args: string[]): Promise<number> {
  const parsed = parseSubcommand(
    args,
    { config: { type: "string" }, "no-new-key": { type: "boolean" } },
    USAGE,
  );
  if (parsed === undefined) return 2;
  const [action] = parsed.positionals;
  if (action === "generate") {
    writeOut(generateMasterKey());
    return 0;
  }
  if (action !== "rotate") {
    writeErr(USAGE);
    return 2;
  }
  let opened: OpenVault | undefined;
  try {
    const file = config.masterKey === undefined ? config.masterKeyFile : undefined;
    if (file !== undefined && parsed.values["no-new-key"] !== true) {
      const version = await addKeyToFile(file);
      writeOut(`Added KEK version ${version} to ${file}`);
    }
    opened = await openVault(config);
    const report = await opened.vault.rewrapAll();
    writeOut(
      `Re-wrapped ${report.rewrapped} data key(s) under KEK version ${report.kekVersion}` +
        (report.raced > 0 ? ` (${report.raced} changed meanwhile and were re-listed)` : ""),
    );
    const older = report.inUse.filter((version) => version !== report.kekVersion);
    if (older.length > 0) {
      writeErr(
        `KEK version(s) ${
          older.join(", ")
        } still seal data: an instance without the new key wrote meanwhile; run again`,
      );
      return 1;
    }
    writeOut("No data is sealed under an older KEK version; older versions can be removed");
    return 0;
  } catch (error) {
    writeErr(messageOf(error));
    return 1;
  } finally {
    await opened?.close();
  }
}
