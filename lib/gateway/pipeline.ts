/**
 * The `tools/call` pipeline: which stages run, in which order, which policy decides visibility and
 * where finished calls are recorded. The stage order is the one array in `buildPipeline`, read top
 * to bottom (outermost first); nothing else in the gateway orders stages.
 */

import type { AuditLog } from "../audit/mod.ts";
import type { DatabasePools } from "../backends/mod.ts";
import type { Policy, Principal } from "../auth/mod.ts";
import type { Config } from "../config/mod.ts";
import type { Logger } from "../log.ts";
import type { Vault } from "../credentials/mod.ts";
import {
  backendSpanStage,
  type CallStage,
  createAdmission,
  createCacheStages,
  createCredentialStage,
  createLimitStage,
  createUpstreamStage,
  NO_HOOKS,
  type PipelineHooks,
  tracedAdmission,
  tracedStage,
} from "../mcp/mod.ts";
import type { CallMetrics } from "../metrics/mod.ts";
import { createTracing, type Tracing } from "../telemetry/mod.ts";
import { VERSION } from "../version.ts";
import type { LimitsAndCache } from "./limits.ts";

/** What the pipeline is built from. */
export interface PipelineParts {
  config: Config;
  logger: Logger;
  /** The policy in force (it reloads): visible tools, per-client limits; absent: all, none. */
  policy?: () => Policy;
  /** Where finished calls are recorded; absent: nowhere. */
  audit?: AuditLog;
  /** Rate limits and the response cache. */
  limits: LimitsAndCache;
  /** The credential vault: tools naming a credential get it injected; absent: such tools fail. */
  vault?: Vault;
  /** Also told of every finished call, after the audit log (metrics); absent: nothing more. */
  metrics?: Pick<CallMetrics, "observe" | "started">;
  /** The databases SQL tools run on; absent: SQL tools fail as not configured. */
  databases?: DatabasePools;
}

/** Builds the pipeline hooks, outermost stage first. Call once per pipeline. */
export function buildPipeline(parts: PipelineParts): PipelineHooks {
  const { policy, audit } = parts;
  const { limiter, cache } = parts.limits;
  // The caller's per-client limits, from the policy in force at each call (it reloads).
  const limitOptions = {
    overridesFor: policy && ((principal: Principal) => policy().rateLimitFor(principal)),
  };
  const cacheStages = createCacheStages({ cache });
  // Why from the config: `OTEL_DENO` decides at start; off, no span code is built at all.
  const tracing = parts.config.otelTracing ? createTracing(VERSION) : undefined;
  // Why a no-op wrapper when off: the stages run exactly as before, no span code on the path.
  const span: (
    name: string,
    stage: CallStage,
    attrs?: Parameters<typeof tracedStage>[3],
  ) => CallStage = tracing === undefined
    ? (_name, stage) => stage
    : (name, stage, attrs) => tracedStage(tracing, name, stage, attrs);
  const admit = countStarted(createAdmission(limiter, limitOptions), parts.metrics);
  return {
    ...NO_HOOKS,
    // Why before everything: the client's and the gateway's budgets (`rateLimits.perClient`, or
    // the caller's policy override, and `rateLimits.global`) are spent before the tool is looked
    // up, so unknown, denied and invalid calls count (README "Rate limits and caching"). Why not
    // a stage: stages run only for a known tool with valid arguments. The cost, on Redis: a call
    // with a budget makes this round trip before the stages' own (a cache hit then costs two).
    admit: tracing === undefined ? admit : tracedAdmission(tracing, admit),
    stages: [
      // Why first: the lookahead's read leaves with the tool-limit decision (one round trip).
      span("nexus.cache.lookahead", cacheStages.lookahead),
      span("nexus.limit", createLimitStage(limiter, limitOptions)),
      span("nexus.cache", cacheStages.serve, (ctx) => ({
        "nexus.cache.hit": ctx.facts.cacheHit === true,
        "nexus.cache.coalesced": ctx.facts.coalesced === true,
      })),
      // Why closest to the backend: a backend's reported quota holds back only calls that reach it.
      span("nexus.limit.backend_quota", createUpstreamStage(limiter)),
      // Why innermost: a retry after HTTP 401 re-runs only the backend, not limits or cache.
      span("nexus.credential", createCredentialStage(parts.vault), (ctx) => ({
        ...(ctx.tool.auth === undefined ? {} : { "nexus.credential.name": ctx.tool.auth }),
        ...(ctx.facts.credential === undefined
          ? {}
          : { "nexus.credential.version": ctx.facts.credential.version }),
      })),
      ...(tracing === undefined ? [] : [backendSpanStage(tracing)]),
    ],
    canUse: policy === undefined
      ? NO_HOOKS.canUse
      : (caller, tool) => policy().canUse(caller, tool),
    onFinished: observeFinished(audit, parts.metrics, tracing),
    ...(audit === undefined ? {} : { onTaskEvent: (record) => audit.record(record) }),
    ...(parts.databases === undefined ? {} : { databases: parts.databases }),
    ...(tracing === undefined ? {} : { tracing }),
  };
}

/**
 * `admit` that first counts the call as in flight. Why admission: it is the first step of every
 * call, and `onFinished` runs for every call that reached it, so the gauge returns to 0.
 */
function countStarted(
  admit: PipelineHooks["admit"],
  metrics: Pick<CallMetrics, "started"> | undefined,
): PipelineHooks["admit"] {
  if (metrics === undefined) return admit;
  return (request) => {
    metrics.started();
    return admit(request);
  };
}

/**
 * The audit log, then metrics, learn of each finished call; both only queue or count. With
 * tracing, the request span (active while the call finishes) gets the outcome and the facts.
 */
function observeFinished(
  audit: AuditLog | undefined,
  metrics: Pick<CallMetrics, "observe"> | undefined,
  tracing: Tracing | undefined,
): PipelineHooks["onFinished"] {
  if (audit === undefined && metrics === undefined && tracing === undefined) {
    return NO_HOOKS.onFinished;
  }
  return (record) => {
    audit?.record(record);
    metrics?.observe(record);
    tracing?.annotate({
      "nexus.outcome": record.outcome,
      "nexus.request_id": record.requestId,
      ...(record.facts.cacheHit === undefined ? {} : { "nexus.cache.hit": record.facts.cacheHit }),
      ...(record.facts.credential === undefined
        ? {}
        : { "nexus.credential.name": record.facts.credential.name }),
    });
  };
}
