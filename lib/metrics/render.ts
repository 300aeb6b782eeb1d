/**
 * The Prometheus text exposition format 0.0.4: turns the metric families a `collect()` returns at
 * scrape time into text. The `/metrics` route itself lives in `lib/http/metrics.ts`.
 */

import { GatewayError } from "../errors.ts";

/** Label names to values of one sample; values may hold any text (they are escaped). */
export type MetricLabels = Readonly<Record<string, string>>;

/** One counter or gauge sample. */
export interface MetricSample {
  /** The sample's labels; absent: none (the family's single unlabelled series). */
  labels?: MetricLabels;
  /** The counter's total or the gauge's current value, in the unit the metric's name states. */
  value: number;
}

/** One histogram: cumulative counts per upper bound (`le`), without the implicit `+Inf`. */
export interface HistogramSample {
  /** The histogram's labels (besides `le`); absent: none. */
  labels?: MetricLabels;
  /** Ascending upper bounds, each with the count of observations at or below it. */
  buckets: ReadonlyArray<{ le: number; count: number }>;
  /** Sum of every observed value, written as `_sum`. */
  sum: number;
  /** Number of observations, written as `_count` and as the `+Inf` bucket. */
  count: number;
}

/** One metric family: its name, help text, type and samples. */
export type MetricFamily =
  & { name: string; help: string }
  & (
    | { type: "counter" | "gauge"; samples: readonly MetricSample[] }
    | { type: "histogram"; samples: readonly HistogramSample[] }
  );

/** The media type of the text exposition format this file writes. */
export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Renders families in the text exposition format 0.0.4: `# HELP`, `# TYPE`, then one line per
 * sample (a histogram: `_bucket` lines up to `le="+Inf"`, then `_sum` and `_count`).
 * @throws GatewayError INTERNAL for an invalid metric or label name (a fault in the caller's code).
 */
export function renderMetrics(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const family of families) {
    checkName(family.name, METRIC_NAME, "metric");
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`);
    lines.push(`# TYPE ${family.name} ${family.type}`);
    if (family.type === "histogram") {
      for (const sample of family.samples) lines.push(...histogramLines(family.name, sample));
    } else {
      for (const sample of family.samples) {
        lines.push(`${family.name}${labelText(sample.labels)} ${formatValue(sample.value)}`);
      }
    }
  }
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}

function histogramLines(name: string, sample: HistogramSample): string[] {
  const labels = sample.labels ?? {};
  const lines = sample.buckets.map(({ le, count }) =>
    `${name}_bucket${labelText({ ...labels, le: formatValue(le) })} ${formatValue(count)}`
  );
  lines.push(`${name}_bucket${labelText({ ...labels, le: "+Inf" })} ${formatValue(sample.count)}`);
  lines.push(`${name}_sum${labelText(labels)} ${formatValue(sample.sum)}`);
  lines.push(`${name}_count${labelText(labels)} ${formatValue(sample.count)}`);
  return lines;
}

/** `{a="x",b="y"}`, or nothing without labels. */
function labelText(labels: MetricLabels | undefined): string {
  if (labels === undefined) return "";
  const pairs = Object.entries(labels).map(([name, value]) => {
    checkName(name, LABEL_NAME, "label");
    return `${name}="${escapeLabelValue(value)}"`;
  });
  return pairs.length === 0 ? "" : `{${pairs.join(",")}}`;
}

/** Label values escape backslash, double quote and line feed. */
export function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => c === "\n" ? "\\n" : `\\${c}`);
}

/** Help text escapes backslash and line feed (a double quote stays as it is). */
function escapeHelp(help: string): string {
  return help.replace(/[\\\n]/g, (c) => c === "\n" ? "\\n" : "\\\\");
}

/** Go's float syntax as Prometheus reads it: `+Inf`, `-Inf`, `NaN`, else the shortest decimal. */
function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

function checkName(name: string, pattern: RegExp, what: string): void {
  if (!pattern.test(name) || (what === "label" && name.startsWith("__"))) {
    throw new GatewayError("INTERNAL", `Cannot render metrics: invalid ${what} name "${name}"`);
  }
}
