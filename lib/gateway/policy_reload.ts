/**
 * Reloads policies and virtual servers when the config file changes, without a restart. Watches
 * the file's directory (editors replace files by renaming, which a watch on the file would miss);
 * a broken file keeps the policy in force and the problem is logged.
 */

import { createPolicy, type Policy } from "../auth/mod.ts";
import { loadConfig, readProcessEnv } from "../config/mod.ts";
import type { Logger } from "../log.ts";

const DEBOUNCE_MS = 100;

/** Starts watching `path`; `onReload` gets each new policy. Raises nothing (logs instead). */
export function watchPolicies(
  path: string,
  options: { logger: Logger; onReload: (policy: Policy) => void },
): { close(): void } {
  const absolute = path.startsWith("/") ? path : `${Deno.cwd()}/${path}`;
  const dir = absolute.slice(0, absolute.lastIndexOf("/")) || "/";
  let watcher: Deno.FsWatcher;
  try {
    watcher = Deno.watchFs(dir, { recursive: false });
  } catch (error) {
    options.logger.warn("Cannot watch the config file: policies reload only on restart", {
      path,
      error,
    });
    return { close() {} };
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const reload = async () => {
    try {
      const text = await Deno.readTextFile(absolute);
      const config = loadConfig(readProcessEnv, text, path);
      options.onReload(createPolicy({ rules: config.policies, servers: config.servers }));
      options.logger.info("Policies reloaded", {
        path,
        policies: config.policies.length,
        servers: Object.keys(config.servers).length,
      });
    } catch (error) {
      options.logger.error("Cannot reload policies: keeping the policies in force", {
        path,
        error,
      });
    }
  };
  (async () => {
    for await (const event of watcher) {
      if (!event.paths.some((changed) => changed === absolute)) continue;
      clearTimeout(timer);
      timer = setTimeout(reload, DEBOUNCE_MS);
    }
  })().catch((error) => options.logger.warn("Config watcher stopped", { error }));
  return {
    close() {
      clearTimeout(timer);
      watcher.close();
    },
  };
}
