/**
 * The security part of the gateway: client authentication (API keys in the store, OIDC JWTs), the
 * policy in force (reloaded when the config file changes), the audit log, and the admin API
 * routes for them. Refuses to start on a non-loopback address with no way to authenticate unless
 * `allowAnonymous` says so, and then keeps watching that exposure (`exposure.ts`): the last key
 * revoked or expired makes the gateway anonymous again.
 */

import type { Hono } from "hono";
import { type AuditLog, createAuditLog } from "../audit/mod.ts";
import {
  type ApiKeyVerifier,
  type Authenticator,
  createApiKeyVerifier,
  createAuthenticator,
  createJwtVerifier,
  createPolicy,
  type JwtVerifier,
  type Policy,
} from "../auth/mod.ts";
import type { Config } from "../config/mod.ts";
import { GatewayError } from "../errors.ts";
import {
  type AdminEnv,
  createAdminAuditRoutes,
  createAdminClientRoutes,
  createHttpAuth,
  createTrustedOrigin,
  type HttpAuth,
  isLoopbackAddress,
} from "../http/mod.ts";
import type { Logger } from "../log.ts";
import type { Store } from "../store/mod.ts";
import { createExposureMonitor } from "./exposure.ts";
import { watchPolicies } from "./policy_reload.ts";

/** Everything security-related the gateway wires in. */
export interface Security {
  authenticator: Authenticator;
  httpAuth: HttpAuth;
  /** The policy in force right now. */
  policy: () => Policy;
  apiKeys: ApiKeyVerifier;
  jwt?: JwtVerifier;
  audit: AuditLog;
  /** Whether anonymous MCP callers are served on a non-loopback address now (re-checked). */
  anonymousExposed: () => Promise<boolean>;
  /** Admin route sub-apps owned here (`/audit`, `/clients`). */
  adminRoutes: Record<string, Hono<AdminEnv>>;
  /** Stops the policy and exposure watchers and flushes the audit log. */
  close(): Promise<void>;
}

/** The policy a config describes. Raises nothing: the config schema validated it. */
export function policyOf(config: Config): Policy {
  return createPolicy({ rules: config.policies, servers: config.servers });
}

/**
 * Builds authentication, policy, audit and admin routes on an open store.
 * @throws GatewayError INVALID_CONFIG for a JWT setup without audience, or an unauthenticated
 *   non-loopback listener without `allowAnonymous`.
 */
export async function openSecurity(
  config: Config,
  logger: Logger,
  options: {
    store: Store;
    configPath?: string;
    onPolicyChange?: () => void;
    /** The audit log's keyed argument hash (from the master key); absent: a per-process key. */
    hashArgs?: (text: string) => string;
    /** Called after a key is revoked through the admin API of this instance. */
    onKeyRevoked?: () => void;
    /** Whether an HTTP listener serves MCP on `config.host` (default true). */
    listening?: boolean;
  },
): Promise<Security> {
  const apiKeys = createApiKeyVerifier(options.store.apiKeys);
  const jwt = buildJwt(config, logger);
  const loopback = isLoopbackAddress(config.host);
  // Why: with no listener (stdio) nothing is served on `config.host`: nothing to refuse or watch.
  const unexposed = loopback || options.listening === false;
  await checkExposure(config, { loopback: unexposed, jwt, apiKeys });
  const exposure = createExposureMonitor({
    host: config.host,
    loopback: unexposed,
    allowAnonymous: config.allowAnonymous,
    jwt,
    apiKeys,
    logger,
  });
  await exposure.check();
  const authenticator = createAuthenticator({
    apiKeys,
    jwt,
    adminGroup: config.adminGroup,
    anonymousAllowed: loopback || config.allowAnonymous,
  });
  let policy = policyOf(config);
  const watcher = options.configPath === undefined ? undefined : watchPolicies(options.configPath, {
    logger,
    onReload: (next) => {
      policy = next;
      options.onPolicyChange?.();
    },
  });
  const audit = openAudit(config, logger, options.store, options.hashArgs);
  const httpAuth = createHttpAuth({
    authenticator,
    policy: () => policy,
    logger,
    resourceUrl: config.resourceUrl,
    trustedOrigin: createTrustedOrigin({
      allowedOrigins: config.allowedOrigins,
      allowedHosts: config.allowedHosts,
      loopback,
    }),
    issuer: config.authIssuer,
  });
  return {
    authenticator,
    httpAuth,
    policy: () => policy,
    apiKeys,
    jwt,
    audit,
    anonymousExposed: exposure.check,
    adminRoutes: {
      "/audit": createAdminAuditRoutes({
        repo: options.store.audit,
        stats: audit.stats,
        onWritten: audit.onWritten,
      }),
      "/clients": createAdminClientRoutes({
        repo: options.store.apiKeys,
        verifier: apiKeys,
        logger,
        onKeysChanged: () => void exposure.check(),
        onRevoke: options.onKeyRevoked,
      }),
    },
    async close() {
      exposure.close();
      watcher?.close();
      await audit.close();
    },
  };
}

/** The audit log writer on `store`, as configured, hashing arguments with `hashArgs`. Raises nothing. */
export function openAudit(
  config: Config,
  logger: Logger,
  store: Store,
  hashArgs?: (text: string) => string,
): AuditLog {
  return createAuditLog({
    repo: store.audit,
    logger,
    ...(hashArgs === undefined ? {} : { hashArgs }),
    includeArguments: config.auditArguments,
    bufferSize: config.auditBufferSize,
    retentionDays: config.auditRetentionDays,
  });
}

function buildJwt(config: Config, logger: Logger): JwtVerifier | undefined {
  if (config.authIssuer === undefined) return undefined;
  const audience = config.authAudience ?? config.resourceUrl;
  if (audience === undefined) {
    throw new GatewayError(
      "INVALID_CONFIG",
      "Invalid configuration: NEXUS_AUTH_AUDIENCE / authAudience (or NEXUS_RESOURCE_URL) is " +
        "required with NEXUS_AUTH_ISSUER: tokens must name this gateway",
    );
  }
  return createJwtVerifier({
    issuer: config.authIssuer,
    audience: [audience],
    algorithms: config.authAlgorithms,
    jwksUrl: config.authJwksUrl,
    clockSkewSec: config.authClockSkewSec,
    clientClaim: config.authClientClaim,
    groupsClaim: config.authGroupsClaim,
    requireAtJwt: config.authRequireAtJwt,
    logger,
  });
}

async function checkExposure(
  config: Config,
  state: { loopback: boolean; jwt?: JwtVerifier; apiKeys: ApiKeyVerifier },
): Promise<void> {
  if (state.loopback || state.jwt !== undefined || config.allowAnonymous) return;
  if (await state.apiKeys.anyActive("mcp")) return;
  throw new GatewayError(
    "INVALID_CONFIG",
    `Refusing to serve without authentication on ${config.host}: set NEXUS_AUTH_ISSUER, ` +
      `create a client key (nexus clients create NAME), or set NEXUS_ALLOW_ANONYMOUS=true`,
  );
}
