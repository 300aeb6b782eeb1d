/**
 * The HTTP face of the gateway: the MCP service behind `/mcp` and the Hono app around it, with
 * the admin API and `/metrics` built from the open parts.
 */

import { getHeapStatistics } from "node:v8";
import type { Config } from "../config/mod.ts";
import {
  type AdminApp,
  admissionLimits,
  createAdminApp,
  createAdminCredentialRoutes,
  createApp,
  createConsoleApp,
  createInstanceAdmission,
  createMetricsApp,
  defaultMaxInflight,
  type HttpApp,
  isLoopbackAddress,
  type Readiness,
  withConsoleSessions,
  withCookieRefresh,
} from "../http/mod.ts";
import { createConsoleSessions, createPendingLogins } from "../console/mod.ts";
import type { Logger } from "../log.ts";
import {
  createMcpService,
  localSessionPeers,
  type McpService,
  type PipelineHooks,
  type SessionPeers,
} from "../mcp/mod.ts";
import { createTracing } from "../telemetry/mod.ts";
import { VERSION } from "../version.ts";
import type { GatewayParts } from "./parts.ts";
import { catalogAccess } from "./upstreams.ts";

/** The MCP service over Streamable HTTP, on the registry and the HTTP pipeline. Raises nothing. */
export function createHttpMcp(
  config: Config,
  options: {
    logger: Logger;
    parts: GatewayParts;
    hooks: PipelineHooks;
    sessionPeers?: SessionPeers;
  },
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
    // Why the master key's sealer and the Redis peers: any instance serves any 2025 session.
    sessions: {
      sealer: options.parts.credentials.sessionSealer,
      ...(options.sessionPeers === undefined ? {} : { peers: options.sessionPeers }),
    },
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
    /** More admin route sub-apps by mount path (the console's, `console.ts`). */
    adminRoutes?: Record<string, AdminApp>;
    /** Where console sign-outs are recorded (the 2025 sessions' Redis peers); default: memory. */
    sessionPeers?: SessionPeers;
  },
): HttpApp {
  const { logger, parts: { security, credentials, metrics } } = options;
  const loopback = isLoopbackAddress(config.host);
  const admission = createInstanceAdmission(admissionLimits({
    // Why the heap limit: each call in flight holds live heap, so the bound follows the heap.
    maxInflight: config.maxInflight ?? defaultMaxInflight(getHeapStatistics().heap_size_limit),
    ...(config.queueMax === undefined ? {} : { queueMax: config.queueMax }),
    queueTimeoutMs: config.queueTimeoutMs,
    ...(config.maxInflightPerClient === undefined
      ? {}
      : { maxInflightPerClient: config.maxInflightPerClient }),
    shedUnreadyMs: config.shedUnreadyMs,
  }));
  logger.info("Admission control", { ...admission.snapshot() });
  // Why the master key's sealer and the sessions' Redis peers: any instance serves the console.
  const consoleState = {
    sealer: credentials.sessionSealer,
    ends: options.sessionPeers ?? localSessionPeers(),
  };
  const sessions = createConsoleSessions(consoleState);
  // Why one wrapped authentication: /admin and /metrics accept the console's cookie alike.
  const adminAuth = withConsoleSessions(security.httpAuth, sessions);
  return createApp({
    ...(config.otelTracing ? { traceIdOf: createTracing(VERSION).activeTraceId } : {}),
    mcp: options.mcp,
    logger,
    guard: { allowedOrigins: config.allowedOrigins, allowedHosts: config.allowedHosts, loopback },
    maxBodyBytes: config.maxBodyBytes,
    bodyTimeoutMs: config.bodyTimeoutMs,
    demoApi: config.demoApi,
    ready: options.ready,
    anonymousExposed: security.anonymousExposed,
    auth: security.httpAuth,
    admin: withCookieRefresh(
      createAdminApp({
        auth: adminAuth,
        logger,
        audit: security.audit.recordRow,
        routes: {
          ...security.adminRoutes,
          "/credentials": createAdminCredentialRoutes(credentials.vault),
          ...options.adminRoutes,
        },
      }),
      sessions,
    ),
    admission,
    console: createConsoleApp({
      auth: security.httpAuth,
      sessions,
      logins: createPendingLogins(consoleState),
      logger,
      // Why all three: the token must be this issuer's and carry the admin group to open /admin.
      ...(config.authIssuer && config.adminGroup && config.consoleOidcClientId
        ? { oidc: { issuer: config.authIssuer, clientId: config.consoleOidcClientId } }
        : {}),
    }),
    metrics: createMetricsApp({
      auth: adminAuth,
      logger,
      collect: async () => [...await metrics.collect(), ...admission.families()],
    }),
  });
}
