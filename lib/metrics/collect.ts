/**
 * What the gateway measures, composed from the parts it opened: tool calls (counted by the
 * pipeline's finished-call observer, HTTP and stdio alike), rate-limit and cache counters, the
 * audit buffer, credentials past their rotation policy, the registry and the build.
 * `render.ts` turns what `collect()` returns into text.
 *
 * Why structural source types (`FinishedCall`, `LimitCounterName`, …) instead of the parts' own:
 * this folder sits low and imports no other folder, so every part can be measured without the
 * metrics depending on it; `lib/gateway/metrics.ts` checks at compile time that the names match.
 */

import type { Logger } from "../log.ts";
import { VERSION } from "../version.ts";
import type { CallMetrics } from "./call_metrics.ts";
import type { MetricFamily } from "./render.ts";

/** The rate limiter's counters, by name (`LimitCounters` in `lib/limits/`). */
export type LimitCounterName =
  | "allowed"
  | "denied"
  | "upstreamDenied"
  | "upstreamReports"
  | "failedOpen"
  | "failedClosed"
  | "fallbacks";

/** The response cache's counters, by name (`CacheCounters` in `lib/cache/`). */
export type CacheCounterName =
  | "hits"
  | "misses"
  | "coalesced"
  | "takeovers"
  | "stored"
  | "tooLarge"
  | "bypassed";

/** The audit writer's statistics (`AuditStats` in `lib/audit/`). */
export interface AuditCounters {
  /** Records written to the store. */
  readonly written: number;
  /** Records dropped because the buffer was full. */
  readonly dropped: number;
  /** Failed batch writes (kept buffered and retried). */
  readonly failedWrites: number;
  /** Records waiting in the buffer. */
  readonly buffered: number;
}

/** One upstream MCP server as `/metrics` reports it (`UpstreamReport` in `lib/upstreams/`). */
export interface UpstreamCounters {
  /** The upstream's name (config, so a bounded label). */
  readonly name: string;
  /** Its circuit breaker's state: `closed`, `open` or `half-open`. */
  readonly circuit: string;
  /** Lost connections re-established (a stdio child restarted) since start. */
  readonly restarts: number;
}

/** The circuit states reported for every upstream (1 for its state, 0 for the others). */
const CIRCUIT_STATES = ["closed", "open", "half-open"] as const;

// Why Record over the counter types: a counter added to the limiter or the cache does not compile
// until it has a metric name here, so none is silently left out of /metrics.
const LIMIT_COUNTERS: Readonly<Record<LimitCounterName, readonly [string, string]>> = {
  allowed: ["nexus_rate_limit_allowed_total", "Calls a rate limit admitted."],
  denied: ["nexus_rate_limit_denied_total", "Calls a rate limit denied (RATE_LIMITED)."],
  upstreamDenied: [
    "nexus_rate_limit_upstream_denied_total",
    "Calls held back because a backend's reported quota was spent.",
  ],
  upstreamReports: [
    "nexus_rate_limit_upstream_reports_total",
    "Quota reports (Retry-After, RateLimit headers) read from backends.",
  ],
  failedOpen: [
    "nexus_rate_limit_failed_open_total",
    "Calls admitted uncounted while the limit store was unavailable (fail-open scopes).",
  ],
  failedClosed: [
    "nexus_rate_limit_failed_closed_total",
    "Calls denied while the limit store was unavailable.",
  ],
  fallbacks: [
    "nexus_rate_limit_fallbacks_total",
    "Limit store failures answered by the failure policy.",
  ],
};

const CACHE_COUNTERS: Readonly<Record<CacheCounterName, readonly [string, string]>> = {
  hits: ["nexus_cache_hits_total", "Calls answered from the response cache."],
  misses: ["nexus_cache_misses_total", "Cache misses that ran the call (flights led)."],
  coalesced: ["nexus_cache_coalesced_total", "Calls answered by another identical call's flight."],
  takeovers: [
    "nexus_cache_takeovers_total",
    "Flights taken over from a leader that stopped extending its lock.",
  ],
  stored: ["nexus_cache_stored_total", "Outcomes written to the response cache."],
  tooLarge: ["nexus_cache_too_large_total", "Outcomes too large to cache or share."],
  bypassed: [
    "nexus_cache_bypassed_total",
    "Calls run uncached because the cache store was unavailable.",
  ],
};

/** Where `collect()` reads from. */
export interface MetricsSources {
  /** The call counters the pipelines feed. */
  calls: CallMetrics;
  /** The rate limiter's and the response cache's counters since start. */
  limits: {
    counters(): {
      limits: Readonly<Record<LimitCounterName, number>>;
      cache: Readonly<Record<CacheCounterName, number>>;
    };
  };
  /** The audit writer's statistics. */
  audit: { stats(): AuditCounters };
  /**
   * The vault's `list()` (as `nexus credentials list`): each credential's `rotationOverdue`; and
   * the token requests it sent to OAuth token endpoints, by grant (absent: not reported).
   */
  vault: {
    list(): Promise<ReadonlyArray<{ readonly rotationOverdue: boolean }>>;
    tokensIssued?(): Readonly<{ refreshToken: number; clientCredentials: number }>;
  };
  /** The registry snapshot in force (its tools and version). */
  registry: () => { readonly tools: readonly unknown[]; readonly version: number };
  /** Whether anonymous callers are served on a non-loopback address (`nexus_anonymous_exposed`). */
  anonymousExposed?: () => Promise<boolean>;
  /** Calls denied by a rate limit, by the limit's scope; absent: not reported. */
  rejections?: () => Readonly<Record<string, number>>;
  /** Each upstream MCP server's circuit state and reconnects (stdio restarts); absent: none. */
  upstreams?: () => ReadonlyArray<UpstreamCounters>;
  /** Where a failed credential count is logged. */
  logger: Logger;
  /** The clock, in ms (default `Date.now`). */
  now?: () => number;
  /** How long a count of overdue credentials is reused between scrapes (default 60 s). */
  overdueTtlMs?: number;
}

/** The gateway's metrics source. Raises nothing: a failed credential count keeps the last one. */
export function createGatewayMetrics(
  sources: MetricsSources,
): { collect(): Promise<MetricFamily[]> } {
  const overdue = createOverdueGauge(sources);
  return {
    async collect() {
      const { limits, cache } = sources.limits.counters();
      const audit = sources.audit.stats();
      const snapshot = sources.registry();
      const overdueCount = await overdue();
      const exposed = await sources.anonymousExposed?.();
      return [
        ...sources.calls.families(),
        ...counterFamilies(LIMIT_COUNTERS, limits),
        ...counterFamilies(CACHE_COUNTERS, cache),
        counter(
          "nexus_audit_records_written_total",
          "Audit records written to the store.",
          audit.written,
        ),
        counter(
          "nexus_audit_records_dropped_total",
          "Audit records dropped because the buffer was full.",
          audit.dropped,
        ),
        counter(
          "nexus_audit_write_failures_total",
          "Failed audit batch writes (kept buffered and retried).",
          audit.failedWrites,
        ),
        gauge(
          "nexus_audit_records_buffered",
          "Audit records waiting in the buffer.",
          audit.buffered,
        ),
        ...(overdueCount === undefined ? [] : [
          gauge(
            "nexus_credentials_rotation_overdue",
            "Credentials past their rotation policy (rotateEvery).",
            overdueCount,
          ),
        ]),
        ...(exposed === undefined ? [] : [
          gauge(
            "nexus_anonymous_exposed",
            "1 while anonymous callers are served on a non-loopback address, else 0.",
            exposed ? 1 : 0,
          ),
        ]),
        ...tokenFamilies(sources.vault.tokensIssued?.()),
        ...scopeFamilies(sources.rejections?.()),
        ...upstreamFamilies(sources.upstreams?.()),
        ...memoryFamilies(),
        gauge("nexus_registry_tools", "Tools in the registry.", snapshot.tools.length),
        gauge("nexus_registry_version", "Version of the registry snapshot.", snapshot.version),
        {
          name: "nexus_build_info",
          help: "Build information; the value is always 1.",
          type: "gauge",
          samples: [{ labels: { version: VERSION }, value: 1 }],
        },
      ];
    },
  };
}

/**
 * The count of credentials past `rotateEvery`, read from the store at most once per ttl (rotation
 * policies are measured in days; Prometheus scrapes every few seconds). Undefined until one read
 * succeeded; a failed read keeps the last count and is retried after the ttl.
 */
function createOverdueGauge(sources: MetricsSources): () => Promise<number | undefined> {
  const now = sources.now ?? Date.now;
  const ttlMs = sources.overdueTtlMs ?? 60_000;
  let last: number | undefined;
  let readAt = Number.NEGATIVE_INFINITY;
  let reading: Promise<void> | undefined;
  async function read(): Promise<void> {
    try {
      last = (await sources.vault.list()).filter((info) => info.rotationOverdue).length;
    } catch (error) {
      sources.logger.warn("Cannot count credentials past their rotation policy", { error });
    }
  }
  return async () => {
    if (now() - readAt >= ttlMs) {
      readAt = now();
      reading = read().finally(() => reading = undefined);
    }
    await reading;
    return last;
  };
}

function tokenFamilies(
  issued: Readonly<{ refreshToken: number; clientCredentials: number }> | undefined,
): MetricFamily[] {
  if (issued === undefined) return [];
  return [{
    name: "nexus_credential_token_requests_total",
    help: "Access tokens requested from OAuth token endpoints (refreshes), by grant.",
    type: "counter",
    samples: [
      { labels: { grant: "client_credentials" }, value: issued.clientCredentials },
      { labels: { grant: "refresh_token" }, value: issued.refreshToken },
    ],
  }];
}

function scopeFamilies(rejections: Readonly<Record<string, number>> | undefined): MetricFamily[] {
  if (rejections === undefined) return [];
  return [{
    name: "nexus_rate_limit_rejections_total",
    help: "Calls denied by a rate limit, by the scope of the limit that denied them.",
    type: "counter",
    samples: Object.keys(rejections).sort().map((scope) => ({
      labels: { scope },
      value: rejections[scope]!,
    })),
  }];
}

function upstreamFamilies(upstreams: ReadonlyArray<UpstreamCounters> | undefined): MetricFamily[] {
  if (upstreams === undefined) return [];
  const sorted = upstreams.toSorted((a, b) => a.name.localeCompare(b.name));
  return [
    {
      name: "nexus_upstream_circuit_state",
      help: "Each upstream's circuit breaker: 1 for its current state, 0 for the others.",
      type: "gauge",
      samples: sorted.flatMap((upstream) =>
        CIRCUIT_STATES.map((state) => ({
          labels: { upstream: upstream.name, state },
          value: upstream.circuit === state ? 1 : 0,
        }))
      ),
    },
    {
      name: "nexus_upstream_restarts_total",
      help: "Lost upstream connections re-established (stdio children restarted) since start.",
      type: "counter",
      samples: sorted.map((upstream) => ({
        labels: { upstream: upstream.name },
        value: upstream.restarts,
      })),
    },
  ];
}

/** The process's memory (`Deno.memoryUsage()`), read at scrape time. */
function memoryFamilies(): MetricFamily[] {
  const memory = Deno.memoryUsage();
  return [
    gauge("process_resident_memory_bytes", "Resident set size of the process.", memory.rss),
    gauge("nexus_heap_used_bytes", "V8 heap in use.", memory.heapUsed),
    gauge("nexus_heap_total_bytes", "V8 heap reserved.", memory.heapTotal),
    gauge("nexus_external_memory_bytes", "Memory of objects outside the V8 heap.", memory.external),
  ];
}

function counterFamilies<K extends string>(
  table: Readonly<Record<K, readonly [string, string]>>,
  values: Readonly<Record<K, number>>,
): MetricFamily[] {
  return (Object.keys(table) as K[]).map((key) => {
    const [name, help] = table[key];
    return counter(name, help, values[key]);
  });
}

function counter(name: string, help: string, value: number): MetricFamily {
  return { name, help, type: "counter", samples: [{ value }] };
}

function gauge(name: string, help: string, value: number): MetricFamily {
  return { name, help, type: "gauge", samples: [{ value }] };
}
