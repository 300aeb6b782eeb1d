/**
 * Composition root and CLI: parse args → loadConfig → load the registry → build the app → serve.
 *
 * `deno task nexus <command>` runs it from source; the compiled binary is `nexus <command>`.
 */

import { parseArgs } from "node:util";
import {
  checkTools,
  messageOf,
  probeHealth,
  serveHttp,
  serveStdio,
  writeErr,
  writeOut,
} from "./lib/cli/mod.ts";
import { type Config, loadConfig, readProcessEnv } from "./lib/config/mod.ts";
import { GatewayError } from "./lib/errors.ts";
import { createLogger } from "./lib/log.ts";
import { VERSION } from "./lib/version.ts";

const HELP = `nexus ${VERSION}: an enterprise MCP gateway

Usage: nexus <command> [options]

Commands:
  serve            Serve MCP over Streamable HTTP at /mcp (default)
  stdio            Serve the same tools over stdin/stdout, for desktop clients
  check            Validate the config and every tool file; print problems as file:line: message
  health           GET a health URL and exit 0 when it answers 200 (container healthchecks)

Options:
  --config <file>  Config file (default: NEXUS_CONFIG, else ./nexus.yaml when present)
  --url <url>      With health: the URL to probe (default http://127.0.0.1:8080/healthz)
  -h, --help       Show this help
  -V, --version    Show the version

Configuration reference: README.md (every key has a NEXUS_* environment variable).`;

interface Cli {
  command: string;
  config?: string;
  url?: string;
}

if (import.meta.main) {
  const code = await main(Deno.args);
  if (code !== undefined) Deno.exit(code);
}

/** Runs one CLI invocation; returns an exit code, or undefined while a server keeps running. */
async function main(argv: string[]): Promise<number | undefined> {
  let cli: Cli;
  try {
    cli = parseCli(argv);
  } catch (error) {
    writeErr(`${messageOf(error)}\n\n${HELP}`);
    return 2;
  }
  if (cli.command === "help") return writeOut(HELP), 0;
  if (cli.command === "version") return writeOut(`nexus ${VERSION}`), 0;
  if (cli.command === "health") return await probeHealth(cli.url);
  let config: Config;
  try {
    config = loadConfig(readProcessEnv, await readConfigFile(cli.config), configName(cli.config));
  } catch (error) {
    writeErr(messageOf(error));
    return 1;
  }
  const logger = createLogger({ level: config.logLevel });
  if (cli.command === "check") return await checkTools(config);
  if (cli.command === "stdio") return await serveStdio(config, logger);
  return await serveHttp(config, logger);
}

function parseCli(argv: string[]): Cli {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: "string" },
      url: { type: "string" },
      help: { type: "boolean", short: "h" },
      version: { type: "boolean", short: "V" },
    },
  });
  const command = values.help ? "help" : values.version ? "version" : positionals[0] ?? "serve";
  if (!["serve", "stdio", "check", "health", "help", "version"].includes(command)) {
    throw new Error(`Unknown command: ${command}`);
  }
  return { command, config: values.config, url: values.url };
}

function configName(flag: string | undefined): string {
  return flag ?? readProcessEnv("NEXUS_CONFIG") ?? "nexus.yaml";
}

async function readConfigFile(flag: string | undefined): Promise<string | undefined> {
  const explicit = flag ?? readProcessEnv("NEXUS_CONFIG");
  try {
    return await Deno.readTextFile(explicit ?? "nexus.yaml");
  } catch (error) {
    if (explicit === undefined && error instanceof Deno.errors.NotFound) return undefined;
    throw new GatewayError("INVALID_CONFIG", `Cannot read config: ${explicit}: ${String(error)}`);
  }
}
