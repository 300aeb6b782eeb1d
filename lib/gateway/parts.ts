/**
 * Opening the gateway's parts, each from its own config slice, one `open*` function per concern:
 * the store, the vault, security (auth, policy, audit), the registry, limits and cache, metrics,
 * and the databases SQL tools query.
 * What opened is closed again, newest first, when a later part fails to open.
 */

import type { DatabasePools } from "../backends/mod.ts";
import type { Config } from "../config/mod.ts";
import type { Logger } from "../log.ts";
import { openStore, type Store } from "../store/mod.ts";
import type { TaskStatusMethod } from "../upstreams/mod.ts";
import { openDatabases, retainUsedDatabases } from "./databases.ts";
import { type LimitsAndCache, openLimits } from "./limits.ts";
import { type GatewayMetrics, openMetrics } from "./metrics.ts";
import { openParkedPeers } from "./parked_peers.ts";
import { type OpenRegistry, openRegistry } from "./registry.ts";
import { type FederatedRegistry, federateRegistry } from "./upstreams.ts";
import { openSecurity, type Security } from "./security.ts";
import { type OpenVault, openVault } from "./vault.ts";

/** Every open part of one gateway. */
export interface GatewayParts {
  store: Store;
  credentials: OpenVault;
  security: Security;
  /** File tools plus every reachable upstream's tools. */
  registry: FederatedRegistry;
  limits: LimitsAndCache;
  metrics: GatewayMetrics;
  /** One lazily opened pool per configured database. */
  databases: DatabasePools;
  /** The tool files alone (before federation): what they leave out, and re-reading them now. */
  toolFiles: Pick<OpenRegistry, "disabled" | "reload">;
  /** Stops resuming parked calls for other instances (Redis); a no-op without Redis. */
  closeParked: () => void;
}

/** What the parts report back to the gateway, and where they listen from. */
export interface PartsOptions {
  logger: Logger;
  /** The port tool files see the demo API on (the bound listener's, port 0 resolved). */
  port: number;
  /** Whether an HTTP listener serves MCP on `config.host` (the exposure check). */
  listening: boolean;
  /** The config file, watched for policy changes; absent: policies reload only on restart. */
  configPath?: string;
  /** Called after a registry swap or a policy reload: what callers may see changed. */
  onToolsChanged: () => void;
  /** Called after a key is revoked through the admin API: open streams re-check their caller. */
  onKeyRevoked: () => void;
  /** Called after the federated prompts, or resources and templates, changed. */
  onCatalogChange?: (changed: { prompts: boolean; resources: boolean }) => void;
  /** Called when a subscribed upstream resource changed. */
  onResourceUpdated?: (uri: string) => void;
  /** Called when an upstream sends a task status notification (either era's, named by `method`). */
  onTaskStatus?: (
    upstream: string,
    params: Record<string, unknown>,
    method: TaskStatusMethod,
  ) => void;
}

/**
 * Opens every part, closing what opened on error.
 * @throws GatewayError INVALID_CONFIG for unusable key material, store, tools directory or
 *   authentication setup (as `openVault`, `openSecurity` and `openRegistry` raise it).
 */
export async function openParts(config: Config, options: PartsOptions): Promise<GatewayParts> {
  const { logger } = options;
  const opened: Array<() => Promise<void>> = [];
  try {
    const store = await openStore(config, { logger });
    opened.push(() => store.close());
    const credentials = await openVault(config, { logger, store, reseal: true });
    const security = await openSecurity(config, logger, {
      store,
      hashArgs: credentials.hashArgs,
      configPath: options.configPath,
      onPolicyChange: options.onToolsChanged,
      onKeyRevoked: options.onKeyRevoked,
      listening: options.listening,
    });
    opened.push(() => security.close());
    const databases = openDatabases(config, logger);
    opened.push(() => databases.close());
    // Why before the registry: the upstream relays name this instance in parked calls' states.
    const limits = openLimits(config, logger);
    opened.push(() => limits.close());
    const parked = openParkedPeers(limits.redis, { prefix: limits.prefix, logger });
    opened.push(() => Promise.resolve(parked?.close()));
    // Why late-bound: a tool-file swap may change the upstreams, so it re-syncs them first.
    let afterSwap = options.onToolsChanged;
    const files = await openRegistry(config, logger, {
      port: options.port,
      onSwap: () => afterSwap(),
      vault: credentials,
    });
    opened.push(() => files.close());
    const registry = await federateRegistry(config, files, {
      logger,
      vault: credentials.vault,
      pins: store.pins,
      ...(parked ? { parked } : {}),
      ...(options.configPath === undefined ? {} : { configPath: options.configPath }),
      onChange: options.onToolsChanged,
      ...(options.onCatalogChange ? { onCatalogChange: options.onCatalogChange } : {}),
      ...(options.onResourceUpdated ? { onResourceUpdated: options.onResourceUpdated } : {}),
      ...(options.onTaskStatus ? { onTaskStatus: options.onTaskStatus } : {}),
    });
    opened.pop();
    opened.push(() => registry.close());
    afterSwap = () => {
      retainUsedDatabases(databases, registry.current());
      registry.resync().catch((error) => logger.error("Upstream sync failed", { error }))
        .finally(options.onToolsChanged);
    };
    const metrics = openMetrics({
      logger,
      registry,
      limits,
      security,
      vault: credentials.vault,
      upstreams: () => registry.upstreams.reports(),
    });
    return {
      store,
      credentials,
      security,
      registry,
      limits,
      metrics,
      databases,
      toolFiles: files,
      closeParked: () => parked?.close(),
    };
  } catch (error) {
    for (const close of opened.reverse()) await close().catch(() => {});
    throw error;
  }
}
