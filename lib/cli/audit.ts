/**
 * `nexus audit query|tail [--client C] [--tool T] [--since 1h] [--limit N] [--json]`: read the
 * audit log from the store. `query` prints matching records newest first; `tail` prints the last
 * ones oldest first and keeps printing new ones (every second) until interrupted, or exits after
 * the first batch with `--once`.
 */

import { parseSince } from "../audit/mod.ts";
import type { Config } from "../config/mod.ts";
import { type AuditFilter, type AuditRepo, openStore, type StoredAuditRow } from "../store/mod.ts";
import { messageOf, oneLine, parseSubcommand, writeErr, writeOut } from "./io.ts";

const USAGE = `Usage:
  nexus audit query [--client NAME] [--tool NAME] [--since 1h|2026-11-25] [--limit 100] [--json]
  nexus audit tail  [--client NAME] [--tool NAME] [--since 1h] [--limit 20] [--json] [--once]`;
const POLL_MS = 1000;

/** Runs one `audit` subcommand; returns the exit code (2 for usage errors). Raises nothing. */
export async function runAudit(config: Config, args: string[]): Promise<number> {
  const parsed = parseSubcommand(args, {
    config: { type: "string" },
    client: { type: "string" },
    tool: { type: "string" },
    since: { type: "string" },
    limit: { type: "string" },
    json: { type: "boolean" },
    once: { type: "boolean" },
  }, USAGE);
  if (parsed === undefined) return 2;
  const action = parsed.positionals[0];
  const { values } = parsed;
  if (action !== "query" && action !== "tail") {
    writeErr(USAGE);
    return 2;
  }
  const limit = Number(values.limit ?? (action === "tail" ? 20 : 100));
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
    writeErr(`Invalid --limit "${values.limit}": a whole number from 1 to 10000`);
    return 2;
  }
  try {
    const filter: AuditFilter = {
      client: values.client,
      tool: values.tool,
      since: values.since === undefined ? undefined : parseSince(values.since),
      limit,
    };
    const store = await openStore(config);
    try {
      const repo = store.audit;
      const print = (row: StoredAuditRow) =>
        writeOut(values.json ? JSON.stringify(row) : line(row));
      const rows = await repo.query(filter);
      if (action === "query") return rows.forEach(print), 0;
      rows.reverse().forEach(print);
      if (values.once) return 0;
      await follow(filter, rows.at(-1)?.id ?? 0, { repo, print });
      return 0;
    } finally {
      await store.close();
    }
  } catch (error) {
    writeErr(messageOf(error));
    return 1;
  }
}

async function follow(
  filter: AuditFilter,
  lastId: number,
  deps: { repo: AuditRepo; print: (row: StoredAuditRow) => void },
): Promise<void> {
  const stop = Promise.withResolvers<void>();
  const onSignal = () => stop.resolve();
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  try {
    let stopped = false;
    stop.promise.then(() => stopped = true);
    while (!stopped) {
      const rows = await deps.repo.query({ ...filter, afterId: lastId, limit: 500, order: "asc" });
      rows.forEach(deps.print);
      lastId = rows.at(-1)?.id ?? lastId;
      await Promise.race([stop.promise, new Promise((resolve) => setTimeout(resolve, POLL_MS))]);
    }
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
  }
}

function line(row: StoredAuditRow): string {
  const outcome = row.errorCode === null ? row.outcome : `${row.outcome} ${row.errorCode}`;
  const facts = [
    row.backendStatus === null ? "" : `backend=${row.backendStatus}`,
    row.cacheHit ? "cache=hit" : "",
    row.coalesced ? "coalesced" : "",
    row.credentialName === null ? "" : `credential=${row.credentialName}@v${row.credentialVersion}`,
  ].filter((fact) => fact !== "");
  // Why oneLine: names are chosen by clients; a newline in one must not forge a record.
  return [
    new Date(row.at).toISOString(),
    `${row.clientName} (${row.clientId})`,
    row.server,
    row.tool,
    outcome,
    `${row.durationMs}ms`,
    ...facts,
    `request=${row.requestId}`,
  ].map(oneLine).join("  ");
}
