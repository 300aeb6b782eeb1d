/**
 * `nexus stdio`: the gateway served over stdin/stdout for desktop clients.
 */

import process from "node:process";
import type { Config } from "../config/mod.ts";
import { createGateway } from "../gateway/mod.ts";
import type { Logger } from "../log.ts";
import { guardSocketFaults, onShutdown } from "./shutdown.ts";

/** Serves until stdin closes or a signal arrives; returns an exit code only when start fails. */
export async function serveStdio(config: Config, logger: Logger): Promise<number | undefined> {
  guardSocketFaults(logger);
  const gateway = await createGateway(config, { logger }).catch((error) => {
    logger.error("Cannot start", { error });
  });
  if (gateway === undefined) return 1;
  gateway.serveStdio();
  // Why `close()` and not a guard here: it is idempotent, so stdin's `end` and `close` (both
  // arrive when the client goes) and a signal all share one shutdown.
  const stop = () => gateway.close().then(() => Deno.exit(0));
  // Why: the watcher keeps the process alive; a closed stdin means the client has gone.
  process.stdin.on("end", stop);
  process.stdin.on("close", stop);
  onShutdown(logger, stop);
  return undefined;
}
