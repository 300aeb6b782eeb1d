/**
 * Opening the tool registry for the gateway: hot-reloading watcher or a one-time load.
 */

import type { Config } from "../config/mod.ts";
import { isLoopbackAddress } from "../http/mod.ts";
import type { Logger } from "../log.ts";
import { createRegistryWatcher, loadRegistry, type RegistrySnapshot } from "../registry/mod.ts";
import { readProcessEnv } from "../config/mod.ts";

/** A registry as commands use it. */
export interface OpenRegistry {
  /** The snapshot serving now; read it per request. */
  current: () => RegistrySnapshot;
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
  options: { port: number; onSwap: () => void },
): Promise<OpenRegistry> {
  const env = registryEnv(config, options.port);
  if (!config.hotReload) {
    const { snapshot } = await loadRegistry(config.toolsDir, { logger, ...env });
    return { current: () => snapshot, close: () => Promise.resolve() };
  }
  const watcher = await createRegistryWatcher(config.toolsDir, {
    logger,
    ...env,
    // Why: the watcher itself logs "Tool registry reloaded" with the version; don't log twice.
    onSwap: () => options.onSwap(),
  });
  return { current: watcher.current, close: watcher.close };
}
