/**
 * The rate limits of a call, in three places. `createAdmission` spends the client's and the
 * gateway's budgets before the tool is looked up, so every call counts, known or not;
 * `createLimitStage` checks the tool's own limits once it is known and its arguments valid;
 * `createUpstreamStage` sits right before the backend: it holds calls while the backend's own
 * quota is spent and reads the quota headers of every response, for every instance.
 */

import type { Principal } from "../auth/mod.ts";
import { BoundedMap } from "../bounded_map.ts";
import { GatewayError, isGatewayError, type UpstreamReply } from "../errors.ts";
import { type LimitDecision, type RateLimiter, readUpstreamQuota } from "../limits/mod.ts";
import { originOfUrlTemplate } from "../registry/mod.ts";
import type { ToolDefinition } from "../registry/types.ts";
import { quotedName } from "./bounded.ts";
import type { CallContext, CallNext, CallOutcome, CallStage, PipelineHooks } from "./stages.ts";

/** Options of {@linkcode createLimitStage} and {@linkcode createAdmission}. */
export interface LimitStageOptions {
  /**
   * The caller's own limits (`policy().rateLimitFor(principal)`): its `perClient` replaces the
   * default client budget and a tool's own `perClient`, up or down. Read on every call, so a
   * policy reload applies at once. Absent: no overrides.
   */
  overridesFor?: (principal: Principal) => Readonly<Record<string, string>> | undefined;
}

/**
 * The admission hook: spends one call from the caller's budget (`perClient`) and the gateway's
 * (`global`) before the tool is looked up or its arguments validated, whatever the name asked for.
 * Returns undefined when the call is admitted at once (no budget set: nothing to wait for).
 * @throws GatewayError RATE_LIMITED with `retryAfterMs` in its data.
 */
export function createAdmission(
  limiter: RateLimiter,
  options: LimitStageOptions = {},
): PipelineHooks["admit"] {
  const { overridesFor } = options;
  return function admit(request) {
    const { principal } = request.caller;
    const decision = limiter.admit({
      client: principal.id,
      overrides: overridesFor?.(principal),
    });
    if (decision instanceof Promise) {
      return decision.then((decided) => admitted(request.toolName, decided));
    }
    admitted(request.toolName, decision);
  };
}

function admitted(toolName: string, decision: LimitDecision): void {
  if (!decision.allowed) throw rateLimitedError(toolName, decision);
}

/**
 * Denies a call over any of its tool's limits before it reaches the cache or the backend.
 * @throws GatewayError RATE_LIMITED with `retryAfterMs` in its data.
 */
export function createLimitStage(
  limiter: RateLimiter,
  options: LimitStageOptions = {},
): CallStage {
  const hostOf = createHostResolver();
  const { overridesFor } = options;
  // Why a chain only when the limiter must wait: a tool no limit applies to (decided at once)
  // hands the call on without a promise layer kept for the whole call (heap per call in flight).
  return function limitStage(ctx, next) {
    const { principal } = ctx.caller;
    const decision = limiter.check({
      tool: ctx.tool.name,
      limits: ctx.tool.rateLimit,
      overrides: overridesFor?.(principal),
      client: principal.id,
      host: hostOf(ctx.tool),
      credential: ctx.tool.auth,
    });
    if (decision instanceof Promise) {
      return decision.then((decided) => {
        admitted(ctx.tool.name, decided);
        return next();
      });
    }
    if (!decision.allowed) return Promise.reject(rateLimitedError(ctx.tool.name, decision));
    return next();
  };
}

/**
 * Holds calls to an HTTP backend that said it is out of quota (429 with `Retry-After`, or
 * `X-RateLimit-Remaining: 0` until its reset), and records what each response says: it reads the
 * upstream's answer from the outcome (or the error) once `next` returns.
 * @throws GatewayError RATE_LIMITED with `retryAfterMs` in its data.
 */
export function createUpstreamStage(limiter: RateLimiter): CallStage {
  const hostOf = createHostResolver();
  // Why one pair of handlers per upstream, shared by its calls: a call's handlers are kept for
  // the whole backend call, and closures of its own were about 150 B of each (heap per call).
  const reporters = new BoundedMap<string, Reporter>(MAX_REPORTERS);
  const reporterOf = (upstream: string) => {
    let reporter = reporters.get(upstream);
    if (reporter === undefined) {
      reporter = createReporter(limiter, upstream);
      reporters.set(upstream, reporter);
    }
    return reporter;
  };
  // Why promise chains, not an async function: its frame would stay live for the whole call.
  return function upstreamStage(ctx, next) {
    const upstream = upstreamOf(ctx.tool, hostOf(ctx.tool));
    if (upstream === undefined) return next();
    const decision = limiter.checkUpstream(upstream);
    // Why the in-process store's decision used at once: no promise layer kept for the call.
    if (!(decision instanceof Promise)) {
      return reported(reporterOf(upstream), { ctx, next, decision });
    }
    return decision.then((decided) =>
      reported(reporterOf(upstream), { ctx, next, decision: decided })
    );
  };
}

/** The most upstreams whose report handlers are kept (an instance calls a few). */
const MAX_REPORTERS = 256;

/**
 * What a call's outcome is handed to once the backend answered: the limiter hears what the
 * upstream said of its quota, then the outcome (or the error) goes on as it was.
 */
interface Reporter {
  reported(outcome: CallOutcome): Promise<CallOutcome>;
  failed(error: unknown): Promise<never>;
}

function createReporter(limiter: RateLimiter, upstream: string): Reporter {
  return {
    reported: (outcome) => report(limiter, upstream, outcome.upstream).then(() => outcome),
    failed: (error) =>
      report(limiter, upstream, isGatewayError(error) ? error.upstream : undefined).then(
        () => Promise.reject(error),
      ),
  };
}

/**
 * Runs the rest of the call once the backend's quota admitted it, then tells the limiter what the
 * backend said. Why the report awaited: the caller hears of a 429 only after every instance can see
 * the pause it asked for.
 */
function reported(
  reporter: Reporter,
  { ctx, next, decision }: { ctx: CallContext; next: CallNext; decision: LimitDecision },
): Promise<CallOutcome> {
  if (!decision.allowed) return Promise.reject(rateLimitedError(ctx.tool.name, decision));
  return nextOf(next).then(reporter.reported, reporter.failed);
}

/** `next()`, a synchronous throw turned into a rejection (as an awaited call would). */
function nextOf(next: CallNext): Promise<CallOutcome> {
  try {
    return next();
  } catch (error) {
    return Promise.reject(error);
  }
}

/** The error a denied call answers with: a protocol error carrying `retryAfterMs`. */
export function rateLimitedError(name: string, decision: LimitDecision): GatewayError {
  const toolName = quotedName(name);
  const retryAfterMs = Math.max(0, Math.ceil(decision.retryAfterMs));
  const scope = decision.limit?.scope;
  const data = { retryAfterMs, scope, limit: decision.limit?.rate };
  const retry = `retry after ${retryAfterMs} ms`;
  if (decision.fallback === "closed") {
    return new GatewayError(
      "RATE_LIMITED",
      `Rate limit cannot be checked for tool "${toolName}": limit state unavailable: ${retry}`,
      { data },
    );
  }
  if (scope === "upstream") {
    return new GatewayError(
      "RATE_LIMITED",
      `Backend of tool "${toolName}" is out of quota: it asked to pause: ${retry}`,
      { data },
    );
  }
  return new GatewayError(
    "RATE_LIMITED",
    `Rate limit exceeded for tool "${toolName}": ${scope} ${decision.limit?.rate}: ${retry}`,
    { data },
  );
}

/** Tells the limiter what backend `upstream` said about its quota, if it said anything. */
async function report(
  limiter: RateLimiter,
  upstream: string,
  reply: UpstreamReply | undefined,
): Promise<void> {
  if (reply === undefined) return;
  const quota = readUpstreamQuota(reply.status, reply.headers, Date.now());
  if (quota !== undefined) await limiter.reportUpstream(upstream, quota);
}

/** The origin an HTTP tool calls (fixed at load), remembered per definition. */
function createHostResolver(): (tool: ToolDefinition) => string | undefined {
  const hosts = new WeakMap<ToolDefinition, string | undefined>();
  return function hostOf(tool) {
    if (tool.backend.kind !== "http") return undefined;
    if (hosts.has(tool)) return hosts.get(tool);
    let origin: string | undefined;
    try {
      origin = originOfUrlTemplate(tool.backend.url);
    } catch {
      origin = undefined; // Why: the registry validated the URL at load; this cannot happen.
    }
    hosts.set(tool, origin);
    return origin;
  };
}

/** A backend's quota identity: its origin, and the credential when calls carry one. */
function upstreamOf(tool: ToolDefinition, host: string | undefined): string | undefined {
  if (host === undefined) return undefined;
  return tool.auth === undefined ? host : `${host}#${tool.auth}`;
}
