/**
 * `nexus credentials set|rotate|list|show|delete|test`: the credential vault from the command
 * line. Secret values come from stdin, `--file` or `--from-env VAR`, never from argv (every user
 * of the host can read a process's arguments); `list` and `show` print metadata only.
 */

import { userInfo } from "node:os";
import { parseArgs } from "node:util";
import type { Config } from "../config/mod.ts";
import { readProcessEnv } from "../config/mod.ts";
import type { CredentialInfo, Vault } from "../credentials/mod.ts";
import { GatewayError } from "../errors.ts";
import { type OpenVault, openVault } from "../gateway/mod.ts";
import { messageOf, parseSubcommand, writeErr, writeOut } from "./io.ts";

const USAGE = `Usage (the secret is read from stdin unless --file or --from-env is given):
  nexus credentials set NAME --kind KIND [settings] [--rotate-every 90d] [--grace 24h]
      api_key:  [--header NAME | --query NAME] [--prefix TEXT]
      bearer:   (no settings)
      basic:    --username USER            (the secret is the password)
      headers:  (the secret is a JSON object of header names to values)
      oauth2_client_credentials | oauth2_refresh_token:
                --token-url URL --client-id ID [--scope S]... [--audience A]
                [--auth-method client_secret_basic|client_secret_post]
                (client credentials: the secret is the client secret; refresh token: the refresh
                token, or {"refreshToken":"…","clientSecret":"…"})
      any kind: [--base-url URL]   (the site its tools call, for tool files whose baseUrl
                                    comes from the credential: a Jira site, a ServiceNow instance)
  nexus credentials rotate NAME [--grace 24h]
  nexus credentials list [--json]
  nexus credentials show NAME
  nexus credentials delete NAME
  nexus credentials test NAME
Secret sources: stdin (default) | --file PATH | --from-env VAR`;

const OPTIONS = {
  config: { type: "string" },
  kind: { type: "string" },
  header: { type: "string" },
  query: { type: "string" },
  prefix: { type: "string" },
  username: { type: "string" },
  "token-url": { type: "string" },
  "client-id": { type: "string" },
  scope: { type: "string", multiple: true },
  audience: { type: "string" },
  "auth-method": { type: "string" },
  "base-url": { type: "string" },
  "rotate-every": { type: "string" },
  grace: { type: "string" },
  file: { type: "string" },
  "from-env": { type: "string" },
  json: { type: "boolean" },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>["values"];

/** Runs one `credentials` subcommand; returns the exit code (2 for usage errors). Raises nothing. */
export async function runCredentials(config: Config, args: string[]): Promise<number> {
  const parsed = parseSubcommand(args, OPTIONS, USAGE);
  if (parsed === undefined) return 2;
  const { values, positionals } = parsed;
  const [action, name] = positionals;
  const needsName = ["set", "rotate", "show", "delete", "test"];
  if (action === undefined || (needsName.includes(action) && name === undefined)) {
    writeErr(USAGE);
    return 2;
  }
  if (![...needsName, "list"].includes(action)) {
    writeErr(`Unknown credentials command: ${action}\n${USAGE}`);
    return 2;
  }
  let opened: OpenVault | undefined;
  try {
    opened = await openVault(config);
    return await runAction(opened.vault, action, name ?? "", values);
  } catch (error) {
    writeErr(messageOf(error));
    return 1;
  } finally {
    await opened?.close();
  }
}

async function runAction(vault: Vault, action: string, name: string, values: Values) {
  const actor = cliActor();
  switch (action) {
    case "set": {
      if (values.kind === undefined) throw usage("--kind is required");
      const info = await vault.set({
        name,
        kind: values.kind,
        settings: settingsOf(values),
        secretText: await readSecret(values),
        ...(values["rotate-every"] === undefined
          ? {}
          : { rotateEveryMs: parseDuration(values["rotate-every"]) || null }),
        ...(values.grace === undefined ? {} : { graceMs: parseDuration(values.grace) }),
        actor,
      });
      writeOut(`Stored credential "${name}" version ${info.activeVersion} (${info.kind})`);
      return 0;
    }
    case "rotate": {
      const info = await vault.rotate({
        name,
        secretText: await readSecret(values),
        ...(values.grace === undefined ? {} : { graceMs: parseDuration(values.grace) }),
        actor,
      });
      writeOut(
        `Rotated credential "${name}" to version ${info.activeVersion}; the previous version ` +
          `stays usable for retries for ${formatDuration(info.graceMs)}`,
      );
      return 0;
    }
    case "list":
      printList(await vault.list(), values.json === true);
      return 0;
    case "show":
      writeOut(JSON.stringify(await vault.show(name), isoDates, 2));
      return 0;
    case "delete": {
      if (!(await vault.delete(name, actor))) {
        throw new GatewayError("NOT_FOUND", `Credential not found: "${name}"`);
      }
      writeOut(`Deleted credential "${name}"`);
      return 0;
    }
    default:
      writeOut(await vault.test(name));
      return 0;
  }
}

function settingsOf(values: Values): Record<string, unknown> {
  const settings: Record<string, unknown> = {};
  if (values.header !== undefined) Object.assign(settings, { in: "header", name: values.header });
  if (values.query !== undefined) Object.assign(settings, { in: "query", name: values.query });
  if (values.prefix !== undefined) settings.prefix = values.prefix;
  if (values.username !== undefined) settings.username = values.username;
  if (values["token-url"] !== undefined) settings.tokenUrl = values["token-url"];
  if (values["client-id"] !== undefined) settings.clientId = values["client-id"];
  if (values.scope !== undefined) settings.scopes = values.scope.flatMap((s) => s.split(/[\s,]+/));
  if (values.audience !== undefined) settings.audience = values.audience;
  if (values["auth-method"] !== undefined) settings.authMethod = values["auth-method"];
  if (values["base-url"] !== undefined) settings.baseUrl = values["base-url"];
  return settings;
}

/**
 * The secret from `--file`, `--from-env` or stdin (which must not be a terminal: typed secrets
 * would echo and stay in scrollback).
 */
async function readSecret(values: Values): Promise<string> {
  if (values.file !== undefined && values["from-env"] !== undefined) {
    throw usage("give either --file or --from-env, not both");
  }
  if (values.file !== undefined) return await Deno.readTextFile(values.file);
  if (values["from-env"] !== undefined) {
    const value = readProcessEnv(values["from-env"]);
    if (value === undefined) throw usage(`environment variable ${values["from-env"]} is not set`);
    return value;
  }
  if (Deno.stdin.isTerminal()) {
    throw usage(
      'pipe the secret on stdin (printf %s "$TOKEN" | nexus credentials …), or use --file or --from-env',
    );
  }
  return await new Response(Deno.stdin.readable).text();
}

function printList(infos: CredentialInfo[], json: boolean): void {
  if (json) {
    for (const info of infos) writeOut(JSON.stringify(info, isoDates));
    return;
  }
  const rows = [["NAME", "KIND", "VERSION", "ROTATE EVERY", "ROTATION", "UPDATED", "BY"]];
  for (const info of infos) {
    const due = info.rotationDueAt === null
      ? "-"
      : `${info.rotationOverdue ? "OVERDUE since" : "due"} ${isoDate(info.rotationDueAt)}`;
    rows.push([
      info.name,
      info.kind,
      String(info.activeVersion),
      info.rotateEveryMs === null ? "-" : formatDuration(info.rotateEveryMs),
      due,
      isoDate(info.updatedAt),
      info.updatedBy,
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  for (const row of rows) {
    writeOut(row.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd());
  }
  const overdue = infos.filter((info) => info.rotationOverdue).length;
  if (overdue > 0) writeErr(`${overdue} credential(s) past their rotation policy`);
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90d`, `24h`, `30m`, `45s` or `0` in milliseconds. @throws GatewayError INVALID_INPUT. */
export function parseDuration(text: string): number {
  if (text === "0") return 0;
  const match = /^(\d+)([smhd])$/.exec(text.trim());
  if (match === null) throw usage(`"${text}" is not a duration like 90d, 24h, 30m or 45s`);
  return Number(match[1]) * UNIT_MS[match[2]!]!;
}

function formatDuration(ms: number): string {
  for (const unit of ["d", "h", "m", "s"]) {
    const size = UNIT_MS[unit]!;
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function isoDates(key: string, value: unknown): unknown {
  return typeof value === "number" && /(At|^at)$/.test(key) ? isoDate(value) : value;
}

function usage(message: string): GatewayError {
  return new GatewayError("INVALID_INPUT", message);
}

/** Who is running the command, for the change record: `cli:<os user>`. */
export function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return "cli";
  }
}
