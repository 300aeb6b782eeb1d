/**
 * Metrics in one place: what the gateway counts (tool calls, limits, cache, audit, credentials,
 * registry, build) and the Prometheus text format they are rendered in. The `/metrics` route
 * lives in `lib/http/`; the gateway (`lib/gateway/`) wires the sources.
 */

/** `createCallMetrics()`: tool-call counters and duration histograms fed by finished calls; raises nothing. */
export { type CallMetrics, createCallMetrics, type FinishedCall } from "./call_metrics.ts";
/** `createGatewayMetrics()`: every family `/metrics` reports, read at scrape time; raises nothing. */
export {
  type AuditCounters,
  type CacheCounterName,
  createGatewayMetrics,
  type LimitCounterName,
  type MetricsSources,
  type UpstreamCounters,
} from "./collect.ts";
/**
 * `renderMetrics()`: families in the text exposition format 0.0.4; raises INTERNAL for an invalid
 * metric or label name.
 */
export {
  type HistogramSample,
  type MetricFamily,
  type MetricLabels,
  METRICS_CONTENT_TYPE,
  type MetricSample,
  renderMetrics,
} from "./render.ts";
/** `createCallWindow()`: the last hour of calls a point per minute, for the admin overview; raises nothing. */
export {
  type CallWindow,
  createCallWindow,
  type WindowCounters,
  type WindowPoint,
} from "./call_window.ts";
