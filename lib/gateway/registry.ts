/**
 * Opening the tool registry for the gateway: hot-reloading watcher or a one-time load.
 */

import type { Config } from "../config/mod.ts";
import type { Vault } from "../credentials/mod.ts";
import { isLoopbackAddress } from "../http/mod.ts";
import { type Logger, silentLogger } from "../log.ts";
import {
  createRegistryWatcher,
  type CredentialView,
  type LoadProblem,
  loadRegistry,
  type RegistrySnapshot,
} from "../registry/mod.ts";
import { readProcessEnv } from "../config/mod.ts";
import { type OpenVault, openVault } from "./vault.ts";

/** A registry as commands use it. */
export interface OpenRegistry {
  /** The snapshot serving now; read it per request. */
  current: () => RegistrySnapshot;
  /** Notes on tools left out until configured (a credential, a database), by file and line. */
  disabled?: () => LoadProblem[];
  /**
   * Re-reads the tools directory now (hot reload only; absent when files load once); swaps and
   * calls `onSwap` only when the tools changed.
   * @throws GatewayError INVALID_CONFIG when the directory is gone or unreadable.
   */
  reload?: () => Promise<void>;
  /** Stops watching; never rejects. */
  close: () => Promise<void>;
}

/** The environment tool files see: the readable variables, and the demo API's URL. */
export interface RegistryEnv {
  /** The value a tool file sees for `name`; undefined when unset or not readable. */
  getEnv: (name: string) => string | undefined;
  /** Whether tool files may read `name` (`toolEnvPrefix` or listed in `toolEnv`). */
  envAllowed: (name: string) => boolean;
  /** The configured databases: SQL tools naming another are disabled, not served. */
  databases: ReadonlySet<string>;
}

/**
 * What tool files may read: variables named with `toolEnvPrefix` or listed in `toolEnv`, plus
 * `NEXUS_DEMO_URL`, which the gateway itself answers with its own demo API when unset.
 */
export function registryEnv(config: Config, port: number): RegistryEnv {
  const local = isLoopbackAddress(config.host) || config.host === "0.0.0.0";
  const host = local ? "127.0.0.1" : config.host;
  const demoUrl = `http://${host.includes(":") ? `[${host}]` : host}:${port}/demo`;
  const listed = new Set([...config.toolEnv, "NEXUS_DEMO_URL"]);
  // Why: tool files are edited by more people than the gateway's env; without this rule a
  // `${NEXUS_MASTER_KEY}` in a URL would carry the key into requests, logs and `nexus check`.
  const envAllowed = (name: string) => name.startsWith(config.toolEnvPrefix) || listed.has(name);
  return {
    envAllowed,
    databases: new Set(config.databases.map((database) => database.name)),
    getEnv: (name) =>
      envAllowed(name)
        ? readProcessEnv(name) ?? (name === "NEXUS_DEMO_URL" ? demoUrl : undefined)
        : undefined,
  };
}

/**
 * Loads the registry (watching it when `hotReload` is on) and calls `onSwap` after each change.
 * @throws GatewayError INVALID_CONFIG when the tools directory is missing.
 */
export async function openRegistry(
  config: Config,
  logger: Logger,
  options: { port: number; onSwap: () => void; vault?: CredentialSource },
): Promise<OpenRegistry> {
  const env = {
    ...registryEnv(config, options.port),
    ...(options.vault === undefined
      ? {}
      : { credentials: credentialViewOf(options.vault, logger) }),
  };
  if (!config.hotReload) {
    const { snapshot, disabled } = await loadRegistry(config.toolsDir, { logger, ...env });
    return {
      current: () => snapshot,
      disabled: () => [...disabled],
      close: () => Promise.resolve(),
    };
  }
  const watcher = await createRegistryWatcher(config.toolsDir, {
    logger,
    ...env,
    // Why: the watcher itself logs "Tool registry reloaded" with the version; don't log twice.
    onSwap: () => options.onSwap(),
  });
  return {
    current: watcher.current,
    disabled: watcher.disabled,
    reload: watcher.reload,
    close: watcher.close,
  };
}

/** The vault as the registry reads it: credential names and settings, and whether it opens. */
export interface CredentialSource {
  vault: Pick<Vault, "list">;
  /** Whether a master key is configured (without one no stored secret opens). */
  hasKeyring: boolean;
}

/**
 * Reads the vault's credential names and which settings each has, for "disabled until
 * configured". A failed read keeps the last view (a store blip must not disable every tool).
 */
export function credentialViewOf(
  source: CredentialSource,
  logger: Logger,
): () => Promise<CredentialView> {
  let last: CredentialView | undefined;
  return async function readView() {
    try {
      const infos = await source.vault.list();
      const credentials = new Map(infos.map((info) => [info.name, settingNames(info.config)]));
      last = source.hasKeyring ? { credentials } : {
        credentials,
        unusable: "no master key is configured (NEXUS_MASTER_KEY or NEXUS_MASTER_KEY_FILE)",
      };
    } catch (error) {
      if (last === undefined) throw error;
      logger.warn("Cannot read credentials for the tool registry: keeping the last view", {
        error,
      });
    }
    return last;
  };
}

function settingNames(config: object): ReadonlySet<string> {
  return new Set(
    Object.entries(config).filter(([, value]) => value !== undefined && value !== "").map((
      [key],
    ) => key),
  );
}

/**
 * The vault's view for one-shot commands (`nexus check`, `nexus tools list`): opens the store,
 * reads the credential names and settings, closes it. A store that cannot be opened gives the
 * reason instead (credentials are then not checked).
 */
export async function readCredentialView(
  config: Config,
): Promise<{ view: CredentialView } | { unavailable: string }> {
  let opened: OpenVault | undefined;
  try {
    opened = await openVault(config);
    const read = credentialViewOf(opened, silentLogger);
    return { view: await read() };
  } catch (error) {
    return { unavailable: error instanceof Error ? error.message : String(error) };
  } finally {
    await opened?.close();
  }
}
