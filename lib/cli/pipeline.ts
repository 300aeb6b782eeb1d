/**
 * The composition of the `tools/call` pipeline: which stages run, in which order, which policy
 * decides visibility and where finished calls are recorded. Each concern adds itself here.
 */

import type { AuditLog } from "../audit/mod.ts";
import type { Policy, Principal } from "../auth/mod.ts";
import type { Config } from "../config/mod.ts";
import type { Logger } from "../log.ts";
import type { Vault } from "../credentials/mod.ts";
import { createCredentialStage, NO_HOOKS, type PipelineHooks } from "../mcp/mod.ts";
import type { LimitsAndCache } from "./limits.ts";
import type { CallMetrics } from "./metrics.ts";

/** What pipeline parts may need; grows with stores, vault, limiter, cache, auth and audit. */
export interface PipelineParts {
  config: Config;
  logger: Logger;
  /** The policy in force (it reloads): visible tools, per-client limits; absent: all, none. */
  policy?: () => Policy;
  /** Where finished calls are recorded; absent: nowhere. */
  audit?: AuditLog;
  /** Rate limits and the response cache (their stages, in their own order); absent: none. */
  limits?: LimitsAndCache;
  /** The credential vault: tools naming a credential get it injected; absent: such tools fail. */
  vault?: Vault;
  /** Also told of every finished call, after the audit log (metrics); absent: nothing more. */
  metrics?: Pick<CallMetrics, "observe">;
}

/** Builds the pipeline hooks, outermost stage first. */
export function buildPipeline(parts: PipelineParts): PipelineHooks {
  const { policy, audit } = parts;
  // The caller's per-client limits, from the policy in force at each call (it reloads).
  const limitOptions = {
    overridesFor: policy && ((principal: Principal) => policy().rateLimitFor(principal)),
  };
  return {
    ...NO_HOOKS,
    // Why before everything: the client's and the gateway's budgets are spent before the tool is
    // looked up, so unknown, denied and invalid calls count (README "Rate limits and caching").
    admit: parts.limits?.admission(limitOptions) ?? NO_HOOKS.admit,
    stages: [
      ...parts.limits?.stages(limitOptions) ?? [],
      // Why innermost: a retry after HTTP 401 re-runs only the backend, not limits or cache.
      createCredentialStage(parts.vault),
    ],
    canUse: policy === undefined
      ? NO_HOOKS.canUse
      : (caller, tool) => policy().canUse(caller, tool),
    onFinished: observeFinished(audit, parts.metrics),
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
