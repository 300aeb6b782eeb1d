/**
 * `nexus tools list|new|test`: the tool author's loop. `list` shows every tool file's tools with
 * source, backend, credential and state; `new` scaffolds a file (`tools_new.ts`); `test` runs one
 * call through the whole pipeline without a server and prints the exchange, secrets redacted.
 */

import type { Config } from "../config/mod.ts";
import { isGatewayError } from "../errors.ts";
import { createGateway, readCredentialView, registryEnv } from "../gateway/mod.ts";
import { createLogger } from "../log.ts";
import type { TraceEvent } from "../mcp/mod.ts";
import { type LoadProblem, loadRegistry, type ToolDefinition } from "../registry/mod.ts";
import { messageOf, oneLine, parseSubcommand, printable, writeErr, writeOut } from "./io.ts";
import { scaffoldTool } from "./tools_new.ts";

const USAGE = `Usage: nexus tools list [--config FILE]
       nexus tools new NAME [--ts] [--config FILE]
       nexus tools test NAME [--args JSON] [--config FILE]`;

/** Runs one `tools` subcommand; returns the exit code (2 for usage errors). Raises nothing. */
export async function runTools(config: Config, args: string[]): Promise<number> {
  const parsed = parseSubcommand(args, {
    config: { type: "string" },
    ts: { type: "boolean" },
    args: { type: "string" },
  }, USAGE);
  if (parsed === undefined) return 2;
  const [command, name, ...extra] = parsed.positionals;
  if (command === "list" && name === undefined) return await listTools(config);
  if (command === "new" && name !== undefined && extra.length === 0) {
    return await scaffoldTool(config, name, { ts: parsed.values.ts === true });
  }
  if (command === "test" && name !== undefined && extra.length === 0) {
    return await testTool(config, name, parsed.values.args ?? "{}");
  }
  writeErr(USAGE);
  return 2;
}

/** One row of `nexus tools list`. */
interface ToolRow {
  name: string;
  source: string;
  backend: string;
  credential: string;
  state: string;
}

async function listTools(config: Config): Promise<number> {
  try {
    const vault = await readCredentialView(config);
    const { snapshot, problems, disabled } = await loadRegistry(config.toolsDir, {
      ...registryEnv(config, config.port),
      ...("view" in vault ? { credentials: () => Promise.resolve(vault.view) } : {}),
    });
    const rows = [
      ...snapshot.tools.map(servedRow),
      ...disabled.map((note) => problemRow(note, "disabled")),
      ...problems.map((problem) => problemRow(problem, "problem")),
    ];
    for (const line of formatRows(rows)) writeOut(line);
    writeOut(
      `${snapshot.tools.length} served, ${disabled.length} disabled, ${problems.length} problem(s)`,
    );
    return problems.length === 0 ? 0 : 1;
  } catch (error) {
    writeErr(messageOf(error));
    return 1;
  }
}

function servedRow(tool: ToolDefinition): ToolRow {
  return {
    name: tool.name,
    source: `${tool.source.file}:${tool.source.line}`,
    backend: tool.backend.kind,
    credential: tool.auth ?? "-",
    state: "served",
  };
}

/** Why the name from the message: a disabled or broken entry is not a `ToolDefinition`. */
function problemRow(problem: LoadProblem, state: "disabled" | "problem"): ToolRow {
  const named = /^tool "([^"]+)"(?: disabled)?: /.exec(problem.message);
  return {
    name: named?.[1] ?? "-",
    source: `${problem.file}:${problem.line}`,
    backend: "-",
    credential: "-",
    state: `${state}: ${problem.message.slice(named?.[0].length ?? 0)}`,
  };
}

/** Aligned columns; every field a tool author (or a client) chose goes through `oneLine`. */
function formatRows(rows: readonly ToolRow[]): string[] {
  const header: ToolRow = {
    name: "NAME",
    source: "SOURCE",
    backend: "BACKEND",
    credential: "CREDENTIAL",
    state: "STATE",
  };
  const all = [header, ...rows].map((row) => ({
    name: oneLine(row.name),
    source: oneLine(row.source),
    backend: row.backend,
    credential: oneLine(row.credential),
    state: oneLine(row.state),
  }));
  const width = (key: keyof ToolRow) => Math.max(...all.map((row) => row[key].length));
  const widths = { name: width("name"), source: width("source"), credential: width("credential") };
  return all.map((row) =>
    [
      row.name.padEnd(widths.name),
      row.source.padEnd(widths.source),
      row.backend.padEnd(7),
      row.credential.padEnd(widths.credential),
      row.state,
    ].join("  ")
  );
}

async function testTool(config: Config, name: string, argsText: string): Promise<number> {
  let args: unknown;
  try {
    args = JSON.parse(argsText);
  } catch (error) {
    writeErr(`Invalid --args: not JSON: ${messageOf(error)}`);
    return 2;
  }
  if (typeof args !== "object" || args === null || Array.isArray(args)) {
    writeErr("Invalid --args: must be a JSON object");
    return 2;
  }
  // Why at least warn: the gateway's info lines (registry loaded, stopped) would bury the exchange.
  const logger = createLogger({ level: config.logLevel === "debug" ? "debug" : "warn" });
  let gateway: Awaited<ReturnType<typeof createGateway>>;
  try {
    gateway = await createGateway(config, { logger });
  } catch (error) {
    writeErr(messageOf(error));
    return 1;
  }
  try {
    const result = await gateway.callLocal({ name, arguments: args }, { trace: printTrace });
    writeOut(printable(JSON.stringify(result, null, 2)));
    return result.isError === true ? 1 : 0;
  } catch (error) {
    writeErr(isGatewayError(error) ? error.message : messageOf(error));
    if (isGatewayError(error) && error.code === "NOT_FOUND") await explainDisabled(config, name);
    return 1;
  } finally {
    await gateway.close();
  }
}

/** Prints why `name` is not served when it is a disabled tool (its credential is not set, …). */
async function explainDisabled(config: Config, name: string): Promise<void> {
  try {
    const vault = await readCredentialView(config);
    const { disabled } = await loadRegistry(config.toolsDir, {
      ...registryEnv(config, config.port),
      ...("view" in vault ? { credentials: () => Promise.resolve(vault.view) } : {}),
    });
    const note = disabled.find((entry) => entry.message.startsWith(`tool "${name}" disabled: `));
    if (note !== undefined) writeErr(`${note.file}:${note.line}: ${note.message}`);
  } catch {
    // Why silent: the unknown-tool message above already answers; this is only a hint.
  }
}

/** Prints a request as `> METHOD URL` and its headers, a response as `< STATUS`. */
function printTrace(event: TraceEvent): void {
  if (event.kind === "response") return writeOut(`< ${event.status}`);
  writeOut(`> ${event.method} ${oneLine(event.url)}`);
  for (const [header, value] of event.headers) writeOut(`> ${oneLine(header)}: ${oneLine(value)}`);
}
