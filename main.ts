/**
 * Composition root and CLI: parse args → loadConfig → load the registry → build the app → serve.
 *
 * `deno task nexus <command>` runs it from source; the compiled binary is `nexus <command>`.
 */

import process from "node:process";
import { parseArgs } from "node:util";
import { type Config, loadConfig, readProcessEnv } from "./lib/config/mod.ts";
import { GatewayError } from "./lib/errors.ts";
import { type AppEnv, createApp, isLoopbackAddress } from "./lib/http/mod.ts";
import { createLogger, type Logger } from "./lib/log.ts";
import { createMcpService, NO_HOOKS, serveMcpStdio } from "./lib/mcp/mod.ts";
import { DEFAULT_SERVER, stdioPrincipal } from "./lib/auth/mod.ts";
import {
  createRegistryWatcher,
  formatProblem,
  loadRegistry,
  type RegistrySnapshot,
} from "./lib/registry/mod.ts";
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
    writeErr(`${error instanceof Error ? error.message : String(error)}\n\n${HELP}`);
    return 2;
  }
  if (cli.command === "help") return writeOut(HELP), 0;
  if (cli.command === "version") return writeOut(`nexus ${VERSION}`), 0;
  if (cli.command === "health") return await probeHealth(cli.url);
  let config: Config;
  try {
    config = loadConfig(readProcessEnv, await readConfigFile(cli.config), configName(cli.config));
  } catch (error) {
    writeErr(error instanceof Error ? error.message : String(error));
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

/** The env reader tool files see: the process env, plus the demo API's URL on this gateway. */
function registryEnv(config: Config, port: number): (name: string) => string | undefined {
  const host = isLoopbackAddress(config.host) || config.host === "0.0.0.0"
    ? "127.0.0.1"
    : config.host;
  const demoUrl = `http://${host.includes(":") ? `[${host}]` : host}:${port}/demo`;
  return (name) => readProcessEnv(name) ?? (name === "NEXUS_DEMO_URL" ? demoUrl : undefined);
}

async function checkTools(config: Config): Promise<number> {
  try {
    const { snapshot, problems } = await loadRegistry(config.toolsDir, {
      getEnv: registryEnv(config, config.port),
    });
    for (const problem of problems) writeOut(formatProblem(problem));
    writeOut(`${snapshot.tools.length} tool(s) valid, ${problems.length} problem(s)`);
    return problems.length === 0 ? 0 : 1;
  } catch (error) {
    writeErr(error instanceof Error ? error.message : String(error));
    return 1;
  }
}

async function openRegistry(
  config: Config,
  logger: Logger,
  options: { port: number; onSwap: () => void },
): Promise<{ current: () => RegistrySnapshot; close: () => Promise<void> }> {
  const getEnv = registryEnv(config, options.port);
  if (!config.hotReload) {
    const { snapshot } = await loadRegistry(config.toolsDir, { logger, getEnv });
    return { current: () => snapshot, close: () => Promise.resolve() };
  }
  const watcher = await createRegistryWatcher(config.toolsDir, {
    logger,
    getEnv,
    // Why: the watcher already logs "Tool registry reloaded" with the snapshot version.
    onSwap: () => options.onSwap(),
  });
  return { current: watcher.current, close: watcher.close };
}

async function serveHttp(config: Config, logger: Logger): Promise<number | undefined> {
  let handler: (request: Request, env: AppEnv) => Response | Promise<Response> = () =>
    new Response("Starting", { status: 503 });
  const server = Deno.serve({
    hostname: config.host,
    port: config.port,
    onListen: () => {},
  }, (request, info) => handler(request, { remoteAddr: info.remoteAddr }));
  const port = server.addr.port;
  let notify = () => {};
  let registry;
  try {
    registry = await openRegistry(config, logger, { port, onSwap: () => notify() });
  } catch (error) {
    logger.error("Cannot start", { error });
    await server.shutdown();
    return 1;
  }
  const mcp = createMcpService({
    snapshot: registry.current,
    logger,
    pageSize: config.toolsPageSize,
    listTtlMs: config.listTtlMs,
    hooks: NO_HOOKS,
    maxListenStreams: config.maxListenStreams,
    maxBodyBytes: config.maxBodyBytes,
  });
  notify = () => mcp.toolsChanged();
  const loopback = isLoopbackAddress(config.host);
  if (!loopback && config.allowedHosts.length === 0) {
    logger.warn("NEXUS_ALLOWED_HOSTS is empty: Host header not checked on a non-loopback address");
  }
  const app = createApp({
    mcp,
    logger,
    guard: { allowedOrigins: config.allowedOrigins, allowedHosts: config.allowedHosts, loopback },
    maxBodyBytes: config.maxBodyBytes,
    demoApi: config.demoApi,
    ready: () => true,
  });
  handler = app.fetch;
  const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}/mcp`;
  logger.info("Nexus listening", { url, tools: registry.current().tools.length, version: VERSION });
  onShutdown(logger, async () => {
    await mcp.close();
    await registry.close();
    await server.shutdown();
  });
  await server.finished;
  return 0;
}

async function serveStdio(config: Config, logger: Logger): Promise<number | undefined> {
  let notify = () => {};
  let registry;
  try {
    registry = await openRegistry(config, logger, { port: config.port, onSwap: () => notify() });
  } catch (error) {
    logger.error("Cannot start", { error });
    return 1;
  }
  const stdio = serveMcpStdio({
    snapshot: registry.current,
    logger,
    pageSize: config.toolsPageSize,
    listTtlMs: config.listTtlMs,
    hooks: NO_HOOKS,
    fallbackCaller: { principal: stdioPrincipal(), server: DEFAULT_SERVER },
  });
  notify = () => stdio.toolsChanged();
  const stop = async () => {
    await stdio.close();
    await registry.close();
    Deno.exit(0);
  };
  // Why: the watcher keeps the process alive; a closed stdin means the client has gone.
  process.stdin.on("end", stop);
  process.stdin.on("close", stop);
  onShutdown(logger, stop);
  return undefined;
}

function onShutdown(logger: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const handle = () => {
    if (stopping) return;
    stopping = true;
    logger.info("Shutting down");
    stop().catch((error) => logger.error("Shutdown failed", { error }));
  };
  Deno.addSignalListener("SIGINT", handle);
  Deno.addSignalListener("SIGTERM", handle);
}

async function probeHealth(url = "http://127.0.0.1:8080/healthz"): Promise<number> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
    await response.body?.cancel();
    return response.status === 200 ? 0 : 1;
  } catch {
    return 1;
  }
}

function writeOut(text: string): void {
  Deno.stdout.writeSync(new TextEncoder().encode(text + "\n"));
}

function writeErr(text: string): void {
  Deno.stderr.writeSync(new TextEncoder().encode(text + "\n"));
}
