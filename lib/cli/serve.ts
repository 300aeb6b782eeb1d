/**
 * `nexus serve`: the HTTP composition root. Listens first (so port 0 resolves before the demo
 * tools' base URL is computed), then loads the registry, builds the MCP service and the app.
 */

import type { Config } from "../config/mod.ts";
import { type AppEnv, createApp, isLoopbackAddress } from "../http/mod.ts";
import type { Logger } from "../log.ts";
import { createMcpService } from "../mcp/mod.ts";
import { VERSION } from "../version.ts";
import { buildPipeline } from "./pipeline.ts";
import { openRegistry } from "./registry.ts";
import { onShutdown } from "./shutdown.ts";

/** Serves until a signal stops the server; returns the exit code. */
export async function serveHttp(config: Config, logger: Logger): Promise<number> {
  let handler: (request: Request, env: AppEnv) => Response | Promise<Response> = () =>
    new Response("Starting", { status: 503 });
  const server = Deno.serve(
    { hostname: config.host, port: config.port, onListen: () => {} },
    (request, info) => handler(request, { remoteAddr: info.remoteAddr }),
  );
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
    hooks: buildPipeline({ config, logger }),
    maxListenStreams: config.maxListenStreams,
    maxBodyBytes: config.maxBodyBytes,
  });
  notify = () => mcp.toolsChanged();
  const loopback = isLoopbackAddress(config.host);
  if (!loopback && config.allowedHosts.length === 0) {
    logger.warn("NEXUS_ALLOWED_HOSTS is empty: Host header not checked on a non-loopback address");
  }
  handler = createApp({
    mcp,
    logger,
    guard: { allowedOrigins: config.allowedOrigins, allowedHosts: config.allowedHosts, loopback },
    maxBodyBytes: config.maxBodyBytes,
    demoApi: config.demoApi,
    ready: () => true,
  }).fetch;
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
