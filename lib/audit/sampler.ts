/**
 * Sampling of refused calls, so a flooding client cannot fill the audit store: per client and
 * refusal code, the first N records of each minute are written; the rest are counted, and the
 * count is written as one aggregate record (and a log line) once that minute is over. Calls that
 * ran (any other outcome) are always written.
 */

import type { Caller } from "../auth/mod.ts";
import type { FinishedCall } from "./entry.ts";

/** Outcomes of calls refused before any backend work: these are sampled. */
export const REFUSED_OUTCOMES: ReadonlySet<string> = new Set([
  "NOT_FOUND",
  "INVALID_INPUT",
  "INVALID_PARAMS",
  "RATE_LIMITED",
  "FORBIDDEN",
]);

/** Records of refused calls written per client and code in each minute; the rest aggregated. */
export const DEFAULT_REFUSED_PER_MINUTE = 20;

/** The length of a sampling window. */
export const SAMPLE_WINDOW_MS = 60_000;

/** Refused calls of one client and code in one window that were counted instead of written. */
export interface SuppressedRefusals {
  /** Who was refused, on which endpoint. */
  caller: Caller;
  /** The refusal code (`NOT_FOUND`, `RATE_LIMITED`, …). */
  code: string;
  /** Start of the window, epoch ms. */
  windowStart: number;
  /** Records not written. */
  count: number;
}

/** Decides per record whether it is written, and hands back the counts of ended windows. */
export interface RefusalSampler {
  /** True: write this call's record; false: it was counted toward its window's aggregate. */
  admit(call: FinishedCall, at: number): boolean;
  /** The counts of windows ended before `at`, each handed back once; `Infinity`: all of them. */
  drain(at: number): SuppressedRefusals[];
}

interface Window {
  caller: Caller;
  code: string;
  index: number;
  written: number;
  suppressed: number;
}

/** Creates a sampler writing `perMinute` records per client and code each minute. */
export function createRefusalSampler(perMinute = DEFAULT_REFUSED_PER_MINUTE): RefusalSampler {
  const windows = new Map<string, Window>();
  const ended: SuppressedRefusals[] = [];

  function close(window: Window): void {
    if (window.suppressed === 0) return;
    ended.push({
      caller: window.caller,
      code: window.code,
      windowStart: window.index * SAMPLE_WINDOW_MS,
      count: window.suppressed,
    });
  }

  return {
    admit(call, at) {
      if (!REFUSED_OUTCOMES.has(call.outcome)) return true;
      const index = Math.floor(at / SAMPLE_WINDOW_MS);
      // Why the id and not the name: names are labels; the id is who the budget belongs to.
      const key = `${call.caller.principal.id}\n${call.outcome}`;
      let window = windows.get(key);
      if (window !== undefined && window.index !== index) {
        close(window);
        window = undefined;
      }
      if (window === undefined) {
        window = { caller: call.caller, code: call.outcome, index, written: 0, suppressed: 0 };
        windows.set(key, window);
      }
      if (window.written < perMinute) {
        window.written++;
        return true;
      }
      window.suppressed++;
      return false;
    },
    drain(at) {
      const current = Math.floor(at / SAMPLE_WINDOW_MS);
      for (const [key, window] of windows) {
        if (window.index >= current) continue;
        close(window);
        windows.delete(key);
      }
      return ended.splice(0);
    },
  };
}
