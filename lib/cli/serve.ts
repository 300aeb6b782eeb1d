/**
 * `nexus serve`: the HTTP composition root. Listens first (so port 0 resolves before the demo
 * tools' base URL is computed), then loads the registry, builds the MCP service and the app.
 */

import type { Config } from "../config/mod.ts";
import {
  type AppEnv,
  createAdminApp,
  createAdminCredentialRoutes,
  createApp,
  createMetricsApp,
  isLoopbackAddress,
  serveBounded,
} from "../http/mod.ts";
import type { Logger } from "../log.ts";
import { createMcpService } from "../mcp/mod.ts";
import { VERSION } from "../version.ts";
import { type OpenVault, openVault, startCredentialUpkeep } from "./credentials.ts";
import { openLimits } from "./limits.ts";
import { createCallMetrics, createGatewayMetrics } from "./metrics.ts";
import { buildPipeline } from "./pipeline.ts";
import { type OpenRegistry, openRegistry } from "./registry.ts";
import { onShutdown } from "./shutdown.ts";
import { openSecurity, type Security } from "./security.ts";
import { openStore, type Store } from "../store/mod.ts";

/** Serves until a signal stops the server; returns the exit code. */
export async function serveHttp(
  config: Config,
  logger: Logger,
  options: { configPath?: string } = {},
): Promise<number> {
  let handler: (request: Request, env: AppEnv) => Response | Promise<Response> = () =>
    new Response("Starting", { status: 503 });
  const server = serveBounded(
    {
      hostname: config.host,
      port: config.port,
      logger,
      headerTimeoutMs: config.headerTimeoutMs,
      idleTimeoutMs: config.idleTimeoutMs,
      sendTimeoutMs: config.bodyTimeoutMs,
    },
    (request, info) => handler(request, { remoteAddr: info.remoteAddr }),
  );
  const port = server.addr.port;
  let notify = () => {};
  let recheckStreams = () => {};
  let parts: Awaited<ReturnType<typeof openParts>>;
  try {
    parts = await openParts(config, logger, {
      port,
      ...options,
      onChange: () => notify(),
      onKeyRevoked: () => recheckStreams(),
    });
  } catch (error) {
    logger.error("Cannot start", { error });
    await server.shutdown();
    return 1;
  }
  const { store, security, registry, credentials } = parts;
  const limits = openLimits(config, logger);
  const calls = createCallMetrics({ isKnownTool: (name) => registry.current().byName.has(name) });
  const mcp = createMcpService({
    snapshot: registry.current,
    logger,
    pageSize: config.toolsPageSize,
    listTtlMs: config.listTtlMs,
    hooks: buildPipeline({
      config,
      logger,
      policy: security.policy,
      audit: security.audit,
      limits,
      vault: credentials.vault,
      metrics: calls,
    }),
    maxListenStreams: config.maxListenStreams,
    maxClientStreams: config.maxClientStreams,
    streamRecheckMs: config.streamRecheckMs,
    maxBodyBytes: config.maxBodyBytes,
  });
  recheckStreams = () => void mcp.recheckStreams();
  notify = () => {
    mcp.toolsChanged();
    // Why: a policy reload may shut a caller out of a virtual server it holds a stream on.
    recheckStreams();
  };
  const loopback = isLoopbackAddress(config.host);
  if (!loopback && config.allowedHosts.length === 0) {
    logger.warn("NEXUS_ALLOWED_HOSTS is empty: Host header not checked on a non-loopback address");
  }
  handler = createApp({
    mcp,
    logger,
    guard: { allowedOrigins: config.allowedOrigins, allowedHosts: config.allowedHosts, loopback },
    maxBodyBytes: config.maxBodyBytes,
    bodyTimeoutMs: config.bodyTimeoutMs,
    demoApi: config.demoApi,
    ready: () => true,
    anonymousExposed: security.anonymousExposed,
    auth: security.httpAuth,
    admin: createAdminApp({
      auth: security.httpAuth,
      logger,
      routes: {
        ...security.adminRoutes,
        "/credentials": createAdminCredentialRoutes(credentials.vault),
      },
    }),
    metrics: createMetricsApp({
      auth: security.httpAuth,
      logger,
      collect: createGatewayMetrics({
        calls,
        limits,
        audit: security.audit,
        vault: credentials.vault,
        registry: registry.current,
        anonymousExposed: security.anonymousExposed,
        logger,
      }).collect,
    }),
  }).fetch;
  const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}/mcp`;
  logger.info("Nexus listening", { url, tools: registry.current().tools.length, version: VERSION });
  const stopUpkeep = startCredentialUpkeep(credentials, {
    logger,
    hasKeyring: credentials.hasKeyring,
  });
  let stopping: Promise<void> | undefined;
  onShutdown(logger, () =>
    stopping ??= (async () => {
      stopUpkeep();
      await mcp.close();
      await registry.close();
      await server.shutdown();
      await limits.close();
      // Why after the server: every call that finished is in the audit buffer by now.
      await security.close();
      await store.close();
    })());
  await server.finished;
  await stopping;
  return 0;
}

/** Opens the store, security (auth, policy, audit) and the registry; closes what opened on error. */
async function openParts(
  config: Config,
  logger: Logger,
  options: { port: number; configPath?: string; onChange: () => void; onKeyRevoked: () => void },
): Promise<
  { store: Store; security: Security; registry: OpenRegistry; credentials: OpenVault }
> {
  const store = await openStore(config, { logger });
  let security: Security | undefined;
  try {
    const credentials = await openVault(config, { logger, store, reseal: true });
    security = await openSecurity(config, logger, {
      store,
      hashArgs: credentials.hashArgs,
      configPath: options.configPath,
      onPolicyChange: options.onChange,
      onKeyRevoked: options.onKeyRevoked,
    });
    const registry = await openRegistry(config, logger, {
      port: options.port,
      onSwap: options.onChange,
    });
    return { store, security, registry, credentials };
  } catch (error) {
    await security?.close();
    await store.close();
    throw error;
  }
}
