/**
 * The gateway's metrics: one call counter for every transport (HTTP and stdio calls are counted
 * alike), and the `/metrics` sources wired to the parts that were opened.
 */

import type { CacheCounters } from "../cache/mod.ts";
import type { LimitCounters } from "../limits/mod.ts";
import type { Logger } from "../log.ts";
import {
  type CacheCounterName,
  type CallMetrics,
  type CallWindow,
  createCallMetrics,
  createCallWindow,
  createGatewayMetrics,
  type LimitCounterName,
  type MetricFamily,
} from "../metrics/mod.ts";
import type { Vault } from "../credentials/mod.ts";
import type { UpstreamReport } from "../upstreams/mod.ts";
import type { LimitsAndCache } from "./limits.ts";
import type { OpenRegistry } from "./registry.ts";
import type { Security } from "./security.ts";

// Why: lib/metrics names the counters it renders without importing lib/limits or lib/cache; these
// lines stop compiling when a counter is added to (or removed from) one side only, so none is
// silently left out of /metrics.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const LIMIT_NAMES_MATCH: Same<keyof LimitCounters, LimitCounterName> = true;
const CACHE_NAMES_MATCH: Same<keyof CacheCounters, CacheCounterName> = true;
void LIMIT_NAMES_MATCH, CACHE_NAMES_MATCH;

/** The gateway's metrics: the call counter the pipelines feed, and every family at scrape time. */
export interface GatewayMetrics {
  calls: CallMetrics;
  /** The last hour a point per minute, fed by the same calls (the admin overview). */
  window: CallWindow;
  /** The cache and limit counters the window's points grow by, cumulative since start. */
  totals(): { cacheHits: number; cacheMisses: number; limitRejections: number };
  collect(): Promise<MetricFamily[]>;
}

/** Wires the metric sources to the open parts. Raises nothing. */
export function openMetrics(parts: {
  logger: Logger;
  registry: OpenRegistry;
  limits: LimitsAndCache;
  security: Security;
  vault: Vault;
  /** Every upstream MCP server's report (breaker and connection state). */
  upstreams: () => readonly UpstreamReport[];
}): GatewayMetrics {
  const { registry } = parts;
  const counted = createCallMetrics({
    isKnownTool: (name) => registry.current().byName.has(name),
    backendOf: (name) => backendLabel(registry.current().byName.get(name)?.backend),
  });
  const totals = () => {
    const { cache } = parts.limits.counters();
    const rejections = Object.values(parts.limits.limiter.rejections());
    return {
      cacheHits: cache.hits,
      cacheMisses: cache.misses,
      limitRejections: rejections.reduce((sum, count) => sum + count, 0),
    };
  };
  const window = createCallWindow({ counters: totals });
  // Why one observer for both: the overview's figures are the ones /metrics reports.
  const calls: CallMetrics = {
    ...counted,
    observe(record) {
      counted.observe(record);
      window.observe(record);
    },
  };
  const { collect } = createGatewayMetrics({
    calls,
    limits: parts.limits,
    audit: parts.security.audit,
    vault: parts.vault,
    registry: registry.current,
    rejections: () => parts.limits.limiter.rejections(),
    upstreams: () =>
      parts.upstreams().map((report) => ({
        name: report.name,
        circuit: report.breaker.state,
        restarts: report.state.restarts,
      })),
    anonymousExposed: parts.security.anonymousExposed,
    logger: parts.logger,
  });
  return { calls, window, totals, collect };
}

/** The `backend` label of a tool: its kind, and for a federated tool `mcp/<upstream>`. */
function backendLabel(backend: { kind: string; upstream?: string } | undefined): string {
  if (backend === undefined) return "none";
  return backend.kind === "mcp" && backend.upstream ? `mcp/${backend.upstream}` : backend.kind;
}

/** Tool calls so far as `{ tool, outcome, count }` rows, for the log line written at close. */
export function callTotals(
  calls: CallMetrics,
): Array<{ tool: string; outcome: string; count: number }> {
  const family = calls.families().find((f) => f.name === "nexus_tool_calls_total");
  if (family === undefined || family.type === "histogram") return [];
  return family.samples.map((sample) => ({
    tool: sample.labels?.tool ?? "",
    outcome: sample.labels?.outcome ?? "",
    count: sample.value,
  }));
}
