/**
 * `nexus stdio`: the same registry served over stdin/stdout for desktop clients.
 */

import process from "node:process";
import { DEFAULT_SERVER, stdioPrincipal } from "../auth/mod.ts";
import type { Config } from "../config/mod.ts";
import type { Logger } from "../log.ts";
import { serveMcpStdio } from "../mcp/mod.ts";
import { type OpenVault, openVault } from "./credentials.ts";
import { openLimits } from "./limits.ts";
import { buildPipeline } from "./pipeline.ts";
import { openRegistry } from "./registry.ts";
import { openAudit } from "./security.ts";
import { onShutdown } from "./shutdown.ts";

/** Serves until stdin closes or a signal arrives; returns an exit code only when start fails. */
export async function serveStdio(config: Config, logger: Logger): Promise<number | undefined> {
  let notify = () => {};
  let registry;
  let credentials: OpenVault | undefined;
  try {
    credentials = await openVault(config, { logger, reseal: true });
    registry = await openRegistry(config, logger, { port: config.port, onSwap: () => notify() });
  } catch (error) {
    logger.error("Cannot start", { error });
    await credentials?.close();
    return 1;
  }
  const vault = credentials.vault;
  const limits = openLimits(config, logger);
  const audit = openAudit(config, logger, credentials.store, credentials.hashArgs);
  const stdio = serveMcpStdio({
    snapshot: registry.current,
    logger,
    pageSize: config.toolsPageSize,
    listTtlMs: config.listTtlMs,
    hooks: buildPipeline({ config, logger, limits, vault, audit }),
    fallbackCaller: { principal: stdioPrincipal(), server: DEFAULT_SERVER },
  });
  notify = () => stdio.toolsChanged();
  const stop = async () => {
    await stdio.close();
    await registry.close();
    await limits.close();
    await audit.close();
    await credentials.close();
    Deno.exit(0);
  };
  // Why: the watcher keeps the process alive; a closed stdin means the client has gone.
  process.stdin.on("end", stop);
  process.stdin.on("close", stop);
  onShutdown(logger, stop);
  return undefined;
}
