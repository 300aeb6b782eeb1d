/**
 * Opening the tool registry for a command: hot-reloading watcher or a one-time load.
 */

import type { Config } from "../config/mod.ts";
import { isLoopbackAddress } from "../http/mod.ts";
import type { Logger } from "../log.ts";
import { createRegistryWatcher, loadRegistry, type RegistrySnapshot } from "../registry/mod.ts";
import { readProcessEnv } from "../config/mod.ts";

/** A registry as commands use it. */
export interface OpenRegistry {
  current: () => RegistrySnapshot;
  close: () => Promise<void>;
}

/** The env reader tool files see: the process env, plus the demo API's URL on this gateway. */
export function registryEnv(config: Config, port: number): (name: string) => string | undefined {
  const local = isLoopbackAddress(config.host) || config.host === "0.0.0.0";
  const host = local ? "127.0.0.1" : config.host;
  const demoUrl = `http://${host.includes(":") ? `[${host}]` : host}:${port}/demo`;
  return (name) => readProcessEnv(name) ?? (name === "NEXUS_DEMO_URL" ? demoUrl : undefined);
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
  const getEnv = registryEnv(config, options.port);
  if (!config.hotReload) {
    const { snapshot } = await loadRegistry(config.toolsDir, { logger, getEnv });
    return { current: () => snapshot, close: () => Promise.resolve() };
  }
  const watcher = await createRegistryWatcher(config.toolsDir, {
    logger,
    getEnv,
    // Why: the watcher itself logs "Tool registry reloaded" with the version; don't log twice.
    onSwap: () => options.onSwap(),
  });
  return { current: watcher.current, close: watcher.close };
}
