/**
 * `nexus clients create NAME [--tools a,b] [--groups g] [--expires 30d] [--admin]`,
 * `nexus clients revoke NAME`, `nexus clients list`: client keys in the store. A new key is
 * printed once, on the last line of stdout; the store keeps only its hash.
 */

import { issueApiKey } from "../auth/mod.ts";
import type { Config } from "../config/mod.ts";
import { GatewayError } from "../errors.ts";
import { describeKey } from "../http/mod.ts";
import { openStore } from "../store/mod.ts";
import { messageOf, parseSubcommand, writeErr, writeOut } from "./io.ts";

const USAGE = `Usage:
  nexus clients create NAME [--tools a,b*] [--groups g1,g2] [--expires 30d] [--admin]
  nexus clients revoke NAME
  nexus clients list`;

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Runs one `clients` subcommand; returns the exit code (2 for usage errors). Raises nothing. */
export async function runClients(config: Config, args: string[]): Promise<number> {
  const parsed = parseSubcommand(args, {
    config: { type: "string" },
    tools: { type: "string" },
    groups: { type: "string" },
    expires: { type: "string" },
    admin: { type: "boolean" },
  }, USAGE);
  if (parsed === undefined) return 2;
  const [action, name] = parsed.positionals;
  if (action === undefined || (action !== "list" && name === undefined)) {
    writeErr(USAGE);
    return 2;
  }
  try {
    const store = await openStore(config);
    try {
      const repo = store.apiKeys;
      if (action === "create") {
        const { values } = parsed;
        const now = Date.now();
        const { key, row } = await issueApiKey(repo, name!, {
          scope: values.admin ? "admin" : "mcp",
          tools: splitList(values.tools),
          groups: splitList(values.groups),
          expiresAt: values.expires === undefined ? undefined : now + readDuration(values.expires),
          now,
        });
        writeOut(
          `Created ${row.scope} key ${row.keyId} for client "${row.name}"` +
            (row.expiresAt === null ? "" : `, expires ${new Date(row.expiresAt).toISOString()}`),
        );
        writeOut("The key is shown once; store it now:");
        writeOut(key.reveal());
        return 0;
      }
      if (action === "revoke") {
        const revoked = await repo.revoke(name!, Date.now());
        if (revoked === 0) {
          writeErr(`No active key for client "${name}"`);
          return 1;
        }
        writeOut(`Revoked the key of client "${name}"`);
        return 0;
      }
      if (action === "list") {
        for (const row of await repo.list()) writeOut(JSON.stringify(describeKey(row)));
        return 0;
      }
      writeErr(`Unknown clients command: ${action}\n${USAGE}`);
      return 2;
    } finally {
      await store.close();
    }
  } catch (error) {
    writeErr(messageOf(error));
    return 1;
  }
}

function splitList(value: string | undefined): string[] {
  return (value ?? "").split(",").map((part) => part.trim()).filter((part) => part !== "");
}

function readDuration(text: string): number {
  const match = /^(\d+)(m|h|d)$/.exec(text);
  if (match === null || Number(match[1]) === 0) {
    throw new GatewayError("INVALID_INPUT", `Invalid --expires "${text}": use 90m, 12h or 30d`);
  }
  return Number(match[1]) * UNIT_MS[match[2]!]!;
}
