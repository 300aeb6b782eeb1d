/**
 * Graceful shutdown on SIGINT/SIGTERM: runs `stop` once and logs a failure instead of throwing.
 */

import type { Logger } from "../log.ts";

/** Registers `stop` to run once on the first SIGINT or SIGTERM. */
export function onShutdown(logger: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const handle = () => {
    if (stopping) return;
    stopping = true;
    logger.info("Shutting down");
    stop().catch((error) => logger.error("Shutdown failed", { error }));
  };
  Deno.addSignalListener("SIGINT", handle);
  Deno.addSignalListener("SIGTERM", handle);
}
