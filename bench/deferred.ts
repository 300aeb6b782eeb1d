/**
 * Deferred work: CPU a server spends after its calls were answered (timers that fire later,
 * collections of what calls left behind). Measured as the CPU an idle server uses once the load
 * stopped, divided by the calls it served in the window that work can come from.
 */

import type { CallTarget } from "./load.ts";

/** A target that remembers when its calls finished, in 100 ms buckets. */
export interface LoggedTarget {
  target: CallTarget;
  /** Calls finished at or after `time` (a `performance.now()` value). */
  callsSince(time: number): number;
}

/** What one idle server used after the load. */
export interface DeferredCpu {
  name: string;
  cpuMs: number;
  calls: number;
}

const BUCKET_MS = 100;

/** Wraps `target` so that every finished call is logged with its time. */
export function logCalls(target: CallTarget): LoggedTarget {
  const buckets = new Map<number, number>();
  return {
    target: {
      ...target,
      async call(n, signal) {
        try {
          return await target.call(n, signal);
        } finally {
          const bucket = Math.floor(performance.now() / BUCKET_MS);
          buckets.set(bucket, (buckets.get(bucket) ?? 0) + 1);
        }
      },
    },
    callsSince(time) {
      let calls = 0;
      for (const [bucket, count] of buckets) if (bucket * BUCKET_MS >= time) calls += count;
      return calls;
    },
  };
}

/**
 * Reads each server's CPU when the load stops, runs `meanwhile`, waits until `idleMs` passed,
 * and reads it again; calls are those finished in the last `horizonMs` of the load.
 */
export async function measureDeferredCpu(
  servers: ReadonlyArray<{ name: string; logged: LoggedTarget; cpuMs: () => Promise<number> }>,
  options: { idleMs: number; horizonMs: number; meanwhile: () => Promise<void> },
): Promise<DeferredCpu[]> {
  const loadEnd = performance.now();
  const before = await Promise.all(servers.map((server) => server.cpuMs()));
  await options.meanwhile();
  const left = loadEnd + options.idleMs - performance.now();
  if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
  const after = await Promise.all(servers.map((server) => server.cpuMs()));
  return servers.map((server, i) => ({
    name: server.name,
    cpuMs: (after[i] ?? Number.NaN) - (before[i] ?? Number.NaN),
    calls: server.logged.callsSince(loadEnd - options.horizonMs),
  }));
}
