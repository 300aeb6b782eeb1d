/**
 * Federation for the gateway: the upstreams of `nexus.yaml` and of tool files kept in one live set,
 * and a registry whose snapshot is the file tools plus every reachable upstream's tools, rebuilt
 * (with a new version) whenever either side changes. Readers still just call `current()`.
 */

import type { Config } from "../config/mod.ts";
import type { Vault } from "../credentials/mod.ts";
import type { Logger } from "../log.ts";
import type { ToolPinRepo } from "../store/mod.ts";
import { buildSnapshot, type RegistrySnapshot } from "../registry/mod.ts";
import {
  checkUpstreams,
  createUpstreamSet,
  mergeCatalogs,
  type MergedCatalog,
  mergeFederated,
  type ParkedPeers,
  type TaskStatusMethod,
  type UpstreamEntry,
  type UpstreamSet,
  type UpstreamSetOptions,
} from "../upstreams/mod.ts";
import type { CatalogAccess } from "../mcp/mod.ts";
import type { OpenRegistry } from "./registry.ts";

/** A registry with federated tools, and the upstream set behind it. */
export interface FederatedRegistry extends OpenRegistry {
  /** The live upstreams (state and tool counts for `nexus upstreams list`). */
  upstreams: UpstreamSet;
  /** Re-reads the upstream entries after a tool-file swap; resolves once new ones are listed. */
  resync(): Promise<void>;
  /**
   * Contacts the `start: lazy` upstreams (at the first MCP request); resolves once they are
   * listed or `startWaitMs` passed. Raises nothing.
   */
  wake(): Promise<void>;
  /** Whether `wake()` has finished (listed, or given up waiting). */
  awake(): boolean;
  /** Every upstream's prompts, resources and templates merged (rebuilt only after a change). */
  catalog(): MergedCatalog;
}

/** What federation needs besides the config and the file registry. */
export interface FederationOptions {
  /** Receives upstream problems and warnings. */
  logger: Logger;
  /** Resolves HTTP `auth` and stdio `${credential:NAME}` env values; absent: none may be named. */
  vault?: Pick<Vault, "resolve">;
  /** The config file's name, for problems that point at an upstream declared there. */
  configPath?: string;
  /** Called when the federated tools changed. */
  onChange: () => void;
  /** Called when the federated prompts, or resources and templates, changed. */
  onCatalogChange?: (changed: { prompts: boolean; resources: boolean }) => void;
  /** Called when an upstream announces an update of a resource the gateway subscribed to. */
  onResourceUpdated?: (uri: string) => void;
  /** Called when an upstream sends a task status notification (either era's, named by `method`). */
  onTaskStatus?: (
    upstream: string,
    params: Record<string, unknown>,
    method: TaskStatusMethod,
  ) => void;
  /** Longest wait for the first listing of every upstream at start; default 5 000 ms. */
  startWaitMs?: number;
  /** Replaces the built-in connections (HTTP and supervised stdio), for tests. */
  connect?: UpstreamSetOptions["connect"];
  /** The approved tool definitions (`store.pins`); absent: nothing is pinned. */
  pins?: ToolPinRepo;
  /** The other instances, for parked calls whose retry lands elsewhere; absent without Redis. */
  parked?: ParkedPeers;
}

/** The upstream entries of `nexus.yaml`, each pointing at the config file. */
export function configEntries(config: Config, configPath = "nexus.yaml"): UpstreamEntry[] {
  return config.upstreams.map((spec) => ({ spec, source: { file: configPath, line: 1 } }));
}

/**
 * Wraps `files` so `current()` includes every upstream's tools; lists the upstreams once first.
 * Raises nothing: an unreachable upstream is left out with a warning.
 */
export async function federateRegistry(
  config: Config,
  files: OpenRegistry,
  options: FederationOptions,
): Promise<FederatedRegistry> {
  const { logger } = options;
  let generation = 0;
  const vault = options.vault;
  const upstreams = createUpstreamSet({
    logger,
    ...(vault
      ? {
        resolveAuth: async (name: string) => (await vault.resolve(name)).auth,
        resolveCredential: (name: string) => vault.resolve(name),
      }
      : {}),
    ...(options.connect ? { connect: options.connect } : {}),
    ...(options.pins ? { pins: options.pins } : {}),
    ...(options.parked ? { parked: options.parked } : {}),
    deferLazy: true,
    onChange() {
      generation++;
      options.onChange();
    },
    onCatalogChange(changed) {
      catalogBuilt = undefined;
      options.onCatalogChange?.(changed);
    },
    onResourceUpdated: (_upstream, uri) => options.onResourceUpdated?.(uri),
    ...(options.onTaskStatus ? { onTaskStatus: options.onTaskStatus } : {}),
  });
  let catalogBuilt: MergedCatalog | undefined;
  let knownCatalog: readonly string[] = [];

  // Why cached until a change: every prompts/resources request reads it; a merge per request
  // would redo the clash checks for nothing.
  function catalog(): MergedCatalog {
    if (catalogBuilt !== undefined) return catalogBuilt;
    const merged = mergeCatalogs(upstreams.catalogs());
    knownCatalog = logNew(merged.problems, knownCatalog, logger);
    catalogBuilt = merged.catalog;
    return catalogBuilt;
  }
  let built: { fileVersion: number; generation: number; snapshot: RegistrySnapshot } | undefined;
  let version = 0;
  let known: readonly string[] = [];
  let knownStatic: readonly string[] = [];

  function entries(): UpstreamEntry[] {
    const all = [...configEntries(config, options.configPath), ...files.current().upstreams];
    const checked = checkUpstreams(all, files.current().tools);
    knownStatic = logNew(checked.problems, knownStatic, logger);
    return checked.entries;
  }

  function current(): RegistrySnapshot {
    const fileSnapshot = files.current();
    if (built?.fileVersion === fileSnapshot.version && built.generation === generation) {
      return built.snapshot;
    }
    const merged = mergeFederated(fileSnapshot.tools, upstreams.lists());
    known = logNew(merged.problems, known, logger);
    const plain = buildSnapshot(merged.tools, ++version, fileSnapshot.upstreams);
    const upstreamTtlMs = upstreams.toolsTtlMs();
    const snapshot = upstreamTtlMs === undefined
      ? plain
      : Object.freeze({ ...plain, upstreamTtlMs });
    built = { fileVersion: fileSnapshot.version, generation, snapshot };
    return snapshot;
  }

  // Why bounded: a silent upstream must not hold the gateway's start (or its first request) for
  // its whole timeout; its tools join later, announced by `onChange`, like any list change.
  const waitMs = options.startWaitMs ?? 5_000;
  await bounded(upstreams.sync(entries()), waitMs);
  let woken: Promise<void> | undefined;
  // Why a flag set at the end: requests arriving while the first one wakes the upstreams wait too.
  let settled = false;
  return {
    current,
    upstreams,
    resync: () => upstreams.sync(entries()),
    wake: () => woken ??= bounded(upstreams.wake(), waitMs).then(() => void (settled = true)),
    awake: () => settled,
    catalog,
    async close() {
      await upstreams.close();
      await files.close();
    },
  };
}

/** Waits for `work` at most `ms`; raises nothing. */
async function bounded(work: Promise<void>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    work.catch(() => {}),
    new Promise((resolve) => timer = setTimeout(resolve, ms)),
  ]);
  clearTimeout(timer);
}

/** The federated registry as the MCP handlers reach prompts, resources and completions. */
export function catalogAccess(registry: FederatedRegistry): CatalogAccess {
  return {
    current: () => registry.catalog(),
    client: (upstream) => registry.upstreams.client(upstream),
    timeoutMs: (upstream) => registry.upstreams.timeoutMs(upstream),
    relay: (upstream) => registry.upstreams.relay(upstream),
    subscriptions: (upstream) => registry.upstreams.subscriptions(upstream),
    admit: (upstream, signal) => registry.upstreams.admit(upstream, signal),
  };
}

/** Logs the problems not in `before` once; returns the problems now known. */
function logNew(problems: readonly string[], before: readonly string[], logger: Logger): string[] {
  for (const problem of problems) {
    if (!before.includes(problem)) logger.warn(`Upstream problem: ${problem}`);
  }
  return [...problems];
}
