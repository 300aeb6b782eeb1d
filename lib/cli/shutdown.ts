/**
 * The process around a serving gateway: graceful shutdown on SIGINT/SIGTERM (runs `stop` once and
 * logs a failure instead of throwing), and a guard that keeps a lost database or Redis socket from
 * ending the process.
 */

import type { Logger } from "../log.ts";

/**
 * Registers `stop` to run once on the first SIGINT or SIGTERM, and `again` (absent: nothing) on
 * every later one.
 */
export function onShutdown(
  logger: Logger,
  stop: () => Promise<void>,
  again?: (signal: Deno.Signal) => void,
): void {
  let stopping = false;
  const handle = (signal: Deno.Signal) => {
    if (stopping) return again?.(signal);
    stopping = true;
    logger.info("Shutting down", { signal });
    stop().catch((error) => logger.error("Shutdown failed", { error }));
  };
  Deno.addSignalListener("SIGINT", () => handle("SIGINT"));
  Deno.addSignalListener("SIGTERM", () => handle("SIGTERM"));
}

/** Error codes of a peer that went away, or refused a driver's reconnect, outside any call. */
const SOCKET_FAULTS = new Set(["EPIPE", "ECONNRESET", "ECONNABORTED", "ENOTCONN", "ECONNREFUSED"]);

/**
 * Keeps the process serving when a driver's socket fails outside any call: such an error is
 * logged and dropped; anything else still ends the process, as it should.
 *
 * Why: postgres.js and node-redis run on Node's `net` sockets; when their server dies mid-write,
 * Deno can raise `write EPIPE` as an uncaught error with no query to reject (seen once in ~50
 * restarts of a private Postgres), and a reconnect attempt while the server is down can reject
 * `ECONNREFUSED` with nobody awaiting it. The drivers reconnect on their own and readiness reports the
 * outage, so ending every tenant's traffic for it would turn a database blip into a gateway crash.
 */
export function guardSocketFaults(logger: Logger): void {
  function absorb(error: unknown, event: Event): void {
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code !== "string" || !SOCKET_FAULTS.has(code)) return;
    event.preventDefault();
    logger.error("Socket fault outside any call: kept serving", { code, error });
  }
  globalThis.addEventListener("error", (event) => absorb(event.error, event));
  globalThis.addEventListener("unhandledrejection", (event) => absorb(event.reason, event));
}
