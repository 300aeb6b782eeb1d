/**
 * The zero-loss drain of `nexus serve` on SIGTERM (README "Draining"):
 *
 * 1. `/readyz` answers 503 at once, so balancers and Kubernetes stop routing here; open
 *    notification streams end with an SSE `retry:` (clients reconnect, through the balancer, to
 *    an instance that is ready); every response carries `Connection: close`.
 * 2. For the settle time the listener still accepts: a balancer that has not yet noticed the
 *    failed probe, or that sends on a kept-alive connection, is served, never refused.
 * 3. The listener stops accepting; calls in flight finish; then the audit buffer is flushed and
 *    upstreams, stdio children and stores are closed. Exit code 0.
 *
 * A second signal, or the drain deadline (`drainMs` from the first signal), cuts what is left:
 * connections are closed, the log names how many calls and streams were cut, exit code 1.
 */

import type { Logger } from "../log.ts";

/** What a drain acts on: the listener (`BoundedServer`) and the gateway. */
export interface DrainParts {
  server: {
    drain(): void;
    stopAccepting(): Promise<void>;
    shutdown(): Promise<void>;
    requests(): number;
    connections(): number;
    abort(): void;
  };
  gateway: {
    drain(retryMs: number): void;
    activity(): { calls: number; streams: number };
    close(): Promise<void>;
  };
}

/** Timings of a drain, in milliseconds. */
export interface DrainOptions {
  /** The deadline, counted from the first signal: what is still running then is cut. */
  drainMs: number;
  /** How long the listener keeps accepting after the first signal (capped by `drainMs`). */
  settleMs: number;
}

/** A drain waiting for its signal. */
export interface Drain {
  /** Starts the drain (first signal); later calls do nothing. */
  start(): void;
  /** Cuts the drain short (second signal): closes every connection and stops. */
  force(reason: string): void;
  /** Settles with the exit code once the drain ended: 0 drained, 1 cut short. */
  readonly finished: Promise<number>;
}

/**
 * The `retry:` interval sent to SSE clients whose stream a drain ends, ms.
 * Why 2 s: long enough that a balancer has seen the failed probe before most reconnects arrive,
 * short enough that notifications resume quickly elsewhere.
 */
export const DRAIN_RETRY_MS = 2_000;

/** How long a forced stop waits for the audit flush and the parts to close, ms. */
const FORCED_CLOSE_MS = 3_000;

/** Creates the drain of one server. Raises nothing: failures are logged. */
export function createDrain(logger: Logger, parts: DrainParts, options: DrainOptions): Drain {
  const { server, gateway } = parts;
  const finished = Promise.withResolvers<number>();
  let state: "serving" | "draining" | "cut" | "done" = "serving";
  let deadline: ReturnType<typeof setTimeout> | undefined;
  let settle: ReturnType<typeof setTimeout> | undefined;
  let settled: (() => void) | undefined;

  async function drain(): Promise<void> {
    const activity = gateway.activity();
    logger.info("Draining: not ready, still accepting", {
      settleMs: Math.min(options.settleMs, options.drainMs),
      drainMs: options.drainMs,
      calls: activity.calls,
      streams: activity.streams,
      connections: server.connections(),
    });
    gateway.drain(DRAIN_RETRY_MS);
    server.drain();
    await new Promise<void>((resolve) => {
      settled = resolve;
      settle = setTimeout(resolve, Math.min(options.settleMs, options.drainMs));
    });
    if (state !== "draining") return;
    await server.stopAccepting();
    logger.info("Draining: stopped accepting", {
      calls: gateway.activity().calls,
      requests: server.requests(),
    });
    await server.shutdown();
    if (state !== "draining") return;
    clearTimeout(deadline);
    await gateway.close();
    state = "done";
    logger.info("Drained: every call finished");
    finished.resolve(0);
  }

  async function cut(reason: string): Promise<void> {
    if (state !== "draining" && state !== "serving") return;
    state = "cut";
    clearTimeout(deadline);
    clearTimeout(settle);
    settled?.();
    const { calls, streams } = gateway.activity();
    logger.error("Drain cut short: calls and streams still open were cut", {
      reason,
      calls,
      streams,
      requests: server.requests(),
      connections: server.connections(),
    });
    server.abort();
    await Promise.race([
      gateway.close().catch((error) => logger.error("Shutdown failed", { error })),
      new Promise((resolve) => {
        const timer = setTimeout(resolve, FORCED_CLOSE_MS);
        Deno.unrefTimer(timer);
      }),
    ]);
    finished.resolve(1);
  }

  return {
    finished: finished.promise,
    start() {
      if (state !== "serving") return;
      state = "draining";
      deadline = setTimeout(
        () => void cut(`deadline of ${options.drainMs} ms passed`),
        options.drainMs,
      );
      drain().catch((error) => {
        logger.error("Drain failed", { error });
        void cut("drain failed");
      });
    },
    force: (reason) => void cut(reason),
  };
}
