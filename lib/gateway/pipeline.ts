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
  createAdmission,
  createCacheStages,
  createCredentialStage,
  createLimitStage,
  createUpstreamStage,
  NO_HOOKS,
  type PipelineHooks,
} from "../mcp/mod.ts";
import type { CallMetrics } from "../metrics/mod.ts";
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
  return {
    ...NO_HOOKS,
    // Why before everything: the client's and the gateway's budgets (`rateLimits.perClient`, or
    // the caller's policy override, and `rateLimits.global`) are spent before the tool is looked
    // up, so unknown, denied and invalid calls count (README "Rate limits and caching"). Why not
    // a stage: stages run only for a known tool with valid arguments. The cost, on Redis: a call
    // with a budget makes this round trip before the stages' own (a cache hit then costs two).
    admit: countStarted(createAdmission(limiter, limitOptions), parts.metrics),
    stages: [
      // Why first: the lookahead's read leaves with the tool-limit decision (one round trip).
      cacheStages.lookahead,
      createLimitStage(limiter, limitOptions),
      cacheStages.serve,
      // Why closest to the backend: a backend's reported quota holds back only calls that reach it.
      createUpstreamStage(limiter),
      // Why innermost: a retry after HTTP 401 re-runs only the backend, not limits or cache.
      createCredentialStage(parts.vault),
    ],
    canUse: policy === undefined
      ? NO_HOOKS.canUse
      : (caller, tool) => policy().canUse(caller, tool),
    onFinished: observeFinished(audit, parts.metrics),
    ...(audit === undefined ? {} : { onTaskEvent: (record) => audit.record(record) }),
    ...(parts.databases === undefined ? {} : { databases: parts.databases }),
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

/** The audit log, then metrics, learn of each finished call; both only queue or count. */
function observeFinished(
  audit: AuditLog | undefined,
  metrics: Pick<CallMetrics, "observe"> | undefined,
): PipelineHooks["onFinished"] {
  if (audit === undefined && metrics === undefined) return NO_HOOKS.onFinished;
  return (record) => {
    audit?.record(record);
    metrics?.observe(record);
  };
}
