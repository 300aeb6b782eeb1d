/**
 * Fault episodes: the first fallback after a success is logged (once), later ones only counted,
 * and the first success after a fault ends the episode with one more line. So a Redis outage
 * writes two log lines per component, not one per call.
 */

import type { Logger } from "../../log.ts";

/** Tracks the fallbacks of one component (`limits`, `cache`). */
export interface FaultTracker {
  /** Records one fallback taken because of `error`; `action` says what was done instead. */
  fallback(error: unknown, action: string): void;
  /** Records a success, ending the current episode if there is one. */
  succeeded(): void;
  /** Fallbacks since start. */
  fallbacks(): number;
  /** Whether the component is in a fault episode now. */
  degraded(): boolean;
}

/** Creates a tracker logging through `logger` for `component`; raises nothing. */
export function createFaultTracker(logger: Logger, component: string): FaultTracker {
  let total = 0;
  let inEpisode = 0;
  return {
    fallback(error, action) {
      total++;
      inEpisode++;
      if (inEpisode === 1) {
        logger.warn("Redis unavailable: falling back", { component, action, error });
      }
    },
    succeeded() {
      if (inEpisode === 0) return;
      logger.info("Redis available again", { component, fallbacks: inEpisode });
      inEpisode = 0;
    },
    fallbacks: () => total,
    degraded: () => inEpisode > 0,
  };
}
