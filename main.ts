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
  readToolFileUpstreams,
  runAudit,
  runClients,
  runCredentials,
  runImport,
  runKeys,
  runMigrate,
  runPermissions,
  runTools,
  runUpstreams,
  serveHttp,
  serveStdio,
  sourceReads,
  writeErr,
  writeOut,
} from "./lib/cli/mod.ts";
import { type Config, loadConfig, readProcessEnv } from "./lib/config/mod.ts";
import { installEgressGuard } from "./lib/egress/mod.ts";
import { createTracing, tracedSend } from "./lib/telemetry/mod.ts";
import { GatewayError } from "./lib/errors.ts";
import { createLogger } from "./lib/log.ts";
import { VERSION } from "./lib/version.ts";

const HELP = `nexus ${VERSION}: an enterprise MCP gateway

Usage: nexus <command> [options]

Commands:
  serve            Serve MCP over Streamable HTTP at /mcp (default)
  stdio            Serve the same tools over stdin/stdout, for desktop clients
  check            Validate the config, every tool file and upstream (connects to nothing);
                   print problems as file:line: message
  tools            list: every tool with file:line, backend, credential and state | new NAME
                   [--ts]: write a commented tool file | test NAME --args JSON: run one call
                   through the whole pipeline, print the request (secrets redacted) and result
  upstreams        list [--json]: connect to each upstream MCP server and show its state,
                   protocol version, tool count and last error | diff NAME: what changed since
                   the tools' pins | approve NAME [--tool T]: pin what the upstream lists now
  health           GET a health URL and exit 0 when it answers 200 (container healthchecks)
  clients          create NAME [--tools a,b] [--groups g] [--expires 30d] [--admin] | revoke NAME
                   | list: client API keys (a new key is printed once, on the last line)
  audit            query|tail [--client C] [--tool T] [--since 1h] [--limit N] [--json]: audit log
  credentials      set|rotate|list|show|delete|test NAME: the credential vault (secrets from stdin,
                   --file or --from-env VAR; "nexus credentials" prints the options)
  import           openapi SPEC [--out FILE] [--include GLOB] [--exclude GLOB] [--prefix P]
                   [--base-url URL] [--auth NAME]: YAML tools from an OpenAPI/Swagger description
  keys             generate | rotate: master key (KEK) management
  migrate          Apply pending store migrations
  permissions      Print the Deno permission flags this config needs (deno task start uses them)

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
  /** Arguments after a command with subcommands of its own (`clients`, `audit`). */
  rest?: string[];
}

const NESTED_COMMANDS = [
  "clients",
  "audit",
  "credentials",
  "keys",
  "migrate",
  "upstreams",
  "tools",
  "import",
];

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
  // Why before the config: an import reads a description and writes a file, nothing else.
  if (cli.command === "import") return await runImport(cli.rest ?? []);
  let config: Config;
  try {
    config = loadConfig(readProcessEnv, await readConfigFile(cli.config), configName(cli.config));
  } catch (error) {
    writeErr(messageOf(error));
    return 1;
  }
  const logger = createLogger({ level: config.logLevel });
  if (cli.command === "permissions") {
    const configPath = configName(cli.config);
    const configText = await readConfigFile(cli.config);
    return runPermissions(config, {
      configPath,
      extraReads: sourceReads(),
      toolUpstreams: await readToolFileUpstreams(config.toolsDir),
      ...(configText === undefined ? {} : { configText }),
    });
  }
  // Why here, before any part opens: every later fetch (HTTP and TypeScript tools, upstreams,
  // OAuth token URLs, JWKS) is the global one, and it must be the egress-checked one.
  installEgressGuard({
    allow: config.egressAllow,
    private: config.egressPrivate,
    ...(config.egressDns === undefined ? {} : { nameServer: config.egressDns }),
    httpClient: config.egressHttpClient,
    // Why here: every outbound exchange passes this one send; traced, it records host and status
    // only and keeps Deno's own fetch span (full URL) out of the export.
    ...(config.otelTracing ? { wrapSend: (send) => tracedSend(send, createTracing(VERSION)) } : {}),
  });
  if (cli.command === "check") {
    return await checkTools(config, { configPath: configName(cli.config) });
  }
  if (cli.command === "upstreams") {
    return await runUpstreams(config, cli.rest ?? [], { configPath: configName(cli.config) });
  }
  if (cli.command === "tools") return await runTools(config, cli.rest ?? []);
  if (cli.command === "clients") return await runClients(config, cli.rest ?? []);
  if (cli.command === "audit") return await runAudit(config, cli.rest ?? []);
  if (cli.command === "credentials") return await runCredentials(config, cli.rest ?? []);
  if (cli.command === "keys") return await runKeys(config, cli.rest ?? []);
  if (cli.command === "migrate") return await runMigrate(config);
  if (cli.command === "stdio") return await serveStdio(config, logger);
  return await serveHttp(config, logger, { configPath: configName(cli.config) });
}

function parseCli(argv: string[]): Cli {
  if (NESTED_COMMANDS.includes(argv[0] ?? "")) {
    // Why not strict: the command parses its own flags; only --config matters here.
    const { values } = parseArgs({
      args: argv.slice(1),
      strict: false,
      options: { config: { type: "string" } },
    });
    const config = typeof values.config === "string" ? values.config : undefined;
    return { command: argv[0]!, config, rest: argv.slice(1) };
  }
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
  if (!["serve", "stdio", "check", "health", "help", "version", "permissions"].includes(command)) {
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
