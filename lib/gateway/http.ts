/**
 * The HTTP face of the gateway: the MCP service behind `/mcp` and the Hono app around it, with
 * the admin API and `/metrics` built from the open parts.
 */

import { getHeapStatistics } from "node:v8";
import type { Config } from "../config/mod.ts";
import {
  admissionLimits,
  createAdminApp,
  createAdminCredentialRoutes,
  createApp,
  createInstanceAdmission,
  createMetricsApp,
  defaultMaxInflight,
  type HttpApp,
  isLoopbackAddress,
  type Readiness,
} from "../http/mod.ts";
import type { Logger } from "../log.ts";
import { createMcpService, type McpService, type PipelineHooks } from "../mcp/mod.ts";
import type { GatewayParts } from "./parts.ts";
import { catalogAccess } from "./upstreams.ts";

/** The MCP service over Streamable HTTP, on the registry and the HTTP pipeline. Raises nothing. */
export function createHttpMcp(
  config: Config,
  options: { logger: Logger; parts: GatewayParts; hooks: PipelineHooks },
): McpService {
  return createMcpService({
    snapshot: options.parts.registry.current,
    logger: options.logger,
    pageSize: config.toolsPageSize,
    listTtlMs: config.listTtlMs,
    hooks: options.hooks,
    catalog: catalogAccess(options.parts.registry),
    maxListenStreams: config.maxListenStreams,
    maxClientStreams: config.maxClientStreams,
    streamRecheckMs: config.streamRecheckMs,
    maxBodyBytes: config.maxBodyBytes,
    directDispatch: config.directDispatch,
    // Why the audit's keyed hash: derived from the master key, so every instance accepts the
    // task ids any other issued (the input is domain-separated in lib/upstreams/tasks_ids.ts).
    ...(options.parts.credentials.hashArgs === undefined
      ? {}
      : { taskIdMac: options.parts.credentials.hashArgs }),
  });
}

/** The Hono app: `/mcp`, probes, admin API, `/metrics`, `/demo`. Raises nothing. */
export function createHttpApp(
  config: Config,
  options: {
    logger: Logger;
    parts: GatewayParts;
    mcp: McpService;
    ready: () => Promise<Readiness>;
  },
): HttpApp {
  const { logger, parts: { security, credentials, metrics } } = options;
  const loopback = isLoopbackAddress(config.host);
  const admission = createInstanceAdmission(admissionLimits({
    // Why the heap limit: each call in flight holds live heap, so the bound follows the heap.
    maxInflight: config.maxInflight ?? defaultMaxInflight(getHeapStatistics().heap_size_limit),
    ...(config.queueMax === undefined ? {} : { queueMax: config.queueMax }),
    queueTimeoutMs: config.queueTimeoutMs,
  }));
  logger.info("Admission control", { ...admission.snapshot() });
  return createApp({
    mcp: options.mcp,
    logger,
    guard: { allowedOrigins: config.allowedOrigins, allowedHosts: config.allowedHosts, loopback },
    maxBodyBytes: config.maxBodyBytes,
    bodyTimeoutMs: config.bodyTimeoutMs,
    demoApi: config.demoApi,
    ready: options.ready,
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
    admission,
    metrics: createMetricsApp({
      auth: security.httpAuth,
      logger,
      collect: async () => [...await metrics.collect(), ...admission.families()],
    }),
  });
}
