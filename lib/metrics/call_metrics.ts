/**
 * Tool-call counters and durations by tool, backend and outcome, errors by code and calls in
 * flight, fed by the pipeline's finished-call observer (HTTP and stdio alike).
 */

import { ERROR_TABLE } from "../errors.ts";
import type { HistogramSample, MetricFamily } from "./render.ts";

/** What a finished tool call tells the call metrics (a subset of the pipeline's `CallRecord`). */
export interface FinishedCall {
  /** The tool name the caller asked for (kept as a label only when the registry holds it). */
  readonly toolName: string;
  /** `ok`, or the `GatewayError` code the call ended with. */
  readonly outcome: string;
  /** Whether an `ok` call's result was a tool error (`isError: true`). */
  readonly isError?: boolean;
  /** Wall time of the call, limits and cache included. */
  readonly durationMs: number;
}

/** Upper bounds of the call-duration histogram, in seconds. */
export const DURATION_BUCKETS_SECONDS: readonly number[] = [
  0.005,
  0.025,
  0.1,
  0.25,
  1,
  2.5,
  10,
];

/** The `tool` label of calls naming a tool the registry does not hold. */
export const UNKNOWN_TOOL = "(unknown)";

/** Tool-call counters and durations, fed by the pipeline's `onFinished`. */
export interface CallMetrics {
  /** Counts one call as started (in flight until `observe`); never throws, never waits. */
  started(): void;
  /** Counts one finished call; never throws, never waits. */
  observe(record: FinishedCall): void;
  /** Calls started and not yet finished. */
  inFlight(): number;
  /**
   * `nexus_tool_calls_total` and `nexus_tool_call_duration_seconds` by tool, backend and outcome,
   * `nexus_tool_errors_total` by code, and `nexus_tool_calls_in_flight`; sorted by labels.
   */
  families(): MetricFamily[];
}

interface Durations {
  labels: Record<string, string>;
  /** Observations per bucket (not cumulative); the last slot counts those above every bound. */
  buckets: number[];
  sum: number;
  count: number;
}

/** The `backend` label of calls whose tool the registry does not hold. */
export const NO_BACKEND = "none";

/**
 * Creates call metrics. Labels stay bounded: a tool name is kept only when `isKnownTool` says the
 * registry holds it (else `(unknown)`), the backend is what `backendOf` names for a known tool
 * (a kind, or `mcp/<upstream>`: config, not callers, chooses them), and the outcome is `ok`,
 * `tool_error` or an error code.
 */
export function createCallMetrics(
  options: { isKnownTool: (name: string) => boolean; backendOf?: (name: string) => string },
): CallMetrics {
  const series = new Map<string, Durations>();
  const errors = new Map<string, number>();
  let inFlight = 0;
  return {
    started() {
      inFlight++;
    },
    inFlight: () => inFlight,
    observe(record) {
      inFlight = Math.max(0, inFlight - 1);
      // Why: callers choose the tool name; an unknown one must not mint a series per guess.
      const known = options.isKnownTool(record.toolName);
      const tool = known ? record.toolName : UNKNOWN_TOOL;
      const backend = known ? options.backendOf?.(record.toolName) ?? NO_BACKEND : NO_BACKEND;
      const outcome = outcomeLabel(record);
      if (record.outcome !== "ok") errors.set(outcome, (errors.get(outcome) ?? 0) + 1);
      const key = JSON.stringify([tool, backend, outcome]);
      const entry = series.get(key) ?? {
        labels: { tool, backend, outcome },
        buckets: new Array(DURATION_BUCKETS_SECONDS.length + 1).fill(0),
        sum: 0,
        count: 0,
      };
      series.set(key, entry);
      const seconds = record.durationMs / 1000;
      const index = DURATION_BUCKETS_SECONDS.findIndex((le) => seconds <= le);
      const slot = index === -1 ? DURATION_BUCKETS_SECONDS.length : index;
      entry.buckets[slot] = entry.buckets[slot]! + 1;
      entry.sum += seconds;
      entry.count++;
    },
    families() {
      const sorted = [...series.keys()].sort().map((key) => series.get(key)!);
      return [
        {
          name: "nexus_tool_calls_total",
          help:
            "Finished tools/call requests by tool, backend and outcome (ok, tool_error or error code).",
          type: "counter",
          samples: sorted.map((entry) => ({ labels: entry.labels, value: entry.count })),
        },
        {
          name: "nexus_tool_call_duration_seconds",
          help:
            "Duration of tools/call requests by tool, backend and outcome, limits and cache included.",
          type: "histogram",
          samples: sorted.map(histogramOf),
        },
        {
          name: "nexus_tool_errors_total",
          help: "Tool calls that ended with a gateway error, by error code.",
          type: "counter",
          samples: [...errors.keys()].sort().map((code) => ({
            labels: { code },
            value: errors.get(code)!,
          })),
        },
        {
          name: "nexus_tool_calls_in_flight",
          help: "Tool calls started and not yet finished.",
          type: "gauge",
          samples: [{ value: inFlight }],
        },
      ];
    },
  };
}

function outcomeLabel(record: FinishedCall): string {
  if (record.outcome === "ok") return record.isError ? "tool_error" : "ok";
  return Object.hasOwn(ERROR_TABLE, record.outcome) ? record.outcome : "INTERNAL";
}

function histogramOf(entry: Durations): HistogramSample {
  let cumulative = 0;
  const buckets = DURATION_BUCKETS_SECONDS.map((le, index) => {
    cumulative += entry.buckets[index]!;
    return { le, count: cumulative };
  });
  return { labels: entry.labels, buckets, sum: entry.sum, count: entry.count };
}
