/**
 * Whether the gateway serves anonymous MCP callers on a non-loopback address right now, re-checked
 * whenever it can have changed: at start, after every key issued or revoked through `/admin`,
 * on every `/readyz` and `/metrics` read, and every `intervalMs` (keys expire, and other processes
 * such as the CLI issue and revoke them). Each change is logged: loudly when exposure begins.
 */

import type { ApiKeyVerifier, JwtVerifier } from "../auth/mod.ts";
import type { Logger } from "../log.ts";

/** The running exposure check. */
export interface ExposureMonitor {
  /** Re-checks now and returns whether anonymous callers are served on a non-loopback address. */
  check(): Promise<boolean>;
  /** Stops the periodic re-check. */
  close(): void;
}

/** What the check reads. */
export interface ExposureOptions {
  host: string;
  loopback: boolean;
  allowAnonymous: boolean;
  jwt?: JwtVerifier;
  apiKeys: Pick<ApiKeyVerifier, "anyActive">;
  logger: Logger;
  /** Period of the background re-check (default 10 s); 0 disables it. */
  intervalMs?: number;
}

/** The warning logged when exposure begins (tests and operators grep for it). */
export const EXPOSED_WARNING = "SERVING ANONYMOUSLY ON A NON-LOOPBACK ADDRESS: anyone who can " +
  "reach this port may list and call every tool (NEXUS_ALLOW_ANONYMOUS=true)";

/** Starts the periodic re-check (the first runs at the first `check()`). Raises nothing. */
export function createExposureMonitor(options: ExposureOptions): ExposureMonitor {
  let exposed: boolean | undefined;
  let pending: Promise<boolean> | undefined;
  async function compute(): Promise<boolean> {
    if (options.loopback || !options.allowAnonymous || options.jwt !== undefined) return false;
    return !(await options.apiKeys.anyActive("mcp"));
  }
  async function run(): Promise<boolean> {
    let now: boolean;
    try {
      now = await compute();
    } catch (error) {
      options.logger.warn("Cannot check anonymous exposure", { error });
      return exposed ?? false;
    }
    if (now && exposed !== true) options.logger.warn(EXPOSED_WARNING, { host: options.host });
    if (!now && exposed === true) {
      options.logger.info("No longer serving anonymous callers: a client key exists", {
        host: options.host,
      });
    }
    exposed = now;
    return now;
  }
  function check(): Promise<boolean> {
    // Why: concurrent probes share one read, so transitions are logged once.
    pending ??= run().finally(() => pending = undefined);
    return pending;
  }
  const intervalMs = options.intervalMs ?? 10_000;
  const timer = intervalMs > 0 ? setInterval(() => void check(), intervalMs) : undefined;
  if (timer !== undefined) Deno.unrefTimer(timer);
  return {
    check,
    close: () => clearInterval(timer),
  };
}
