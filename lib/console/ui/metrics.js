// Reads the Prometheus text of GET /metrics into the few figures the Overview shows: totals by
// family, calls by tool and outcome, and the duration histogram's cumulative buckets.

const LINE = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /(\w+)="((?:[^"\\]|\\.)*)"/g;

/** One parsed scrape. */
export function parseMetrics(text, at) {
  const totals = {};
  const byTool = {};
  const buckets = {};
  let errors = 0;
  for (const line of text.split("\n")) {
    const m = LINE.exec(line);
    if (!m) continue;
    const [, name, rawLabels = "", rawValue] = m;
    const value = Number(rawValue);
    if (!Number.isFinite(value)) continue;
    const labels = Object.fromEntries([...rawLabels.matchAll(LABEL)].map((l) => [l[1], l[2]]));
    totals[name] = (totals[name] ?? 0) + value;
    if (name === "nexus_tool_calls_total") {
      byTool[labels.tool] = (byTool[labels.tool] ?? 0) + value;
      if (labels.outcome !== "ok") errors += value;
    }
    if (name === "nexus_tool_call_duration_seconds_bucket") {
      buckets[labels.le] = (buckets[labels.le] ?? 0) + value;
    }
  }
  return { at, totals, byTool, buckets, errors, calls: totals.nexus_tool_calls_total ?? 0 };
}

/** The `q` quantile (0..1) of cumulative buckets, in ms: the upper bound of its bucket. */
export function quantileMs(buckets, q) {
  const bounds = Object.keys(buckets).sort((a, b) => Number(a) - Number(b));
  const count = buckets["+Inf"] ?? 0;
  if (count === 0) return null;
  for (const le of bounds) {
    if (buckets[le] >= q * count) return le === "+Inf" ? Infinity : Number(le) * 1000;
  }
  return null;
}

function delta(now, before, pick) {
  return before === undefined ? pick(now) : pick(now) - pick(before);
}

/** The figures between two scrapes (or since start when there is one). */
export function figures(now, before) {
  const minutes = before === undefined ? null : (now.at - before.at) / 60000;
  const calls = delta(now, before, (s) => s.calls);
  const errors = delta(now, before, (s) => s.errors);
  const hits = delta(now, before, (s) => s.totals.nexus_cache_hits_total ?? 0);
  const misses = delta(now, before, (s) => s.totals.nexus_cache_misses_total ?? 0);
  const rejected = delta(now, before, (s) => s.totals.nexus_rate_limit_rejections_total ?? 0);
  const window = {};
  for (const le of Object.keys(now.buckets)) {
    window[le] = now.buckets[le] - (calls > 0 && before ? before.buckets[le] ?? 0 : 0);
  }
  return {
    callsPerMin: minutes ? calls / minutes : null,
    errorRate: calls > 0 ? errors / calls : null,
    p50: quantileMs(calls > 0 ? window : now.buckets, 0.5),
    p99: quantileMs(calls > 0 ? window : now.buckets, 0.99),
    cacheHitRate: hits + misses > 0 ? hits / (hits + misses) : null,
    rejections: rejected,
  };
}
