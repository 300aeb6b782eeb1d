/**
 * The response-cache stages, in two parts around the limit stage: `lookahead` starts reading the
 * cached value before the limit decision, so on Redis both leave in the same write and a hit costs
 * one round trip, and hands the read on in the context's `cacheLookahead` slot; `serve` answers
 * from that read, or runs the single flight, after the limits
 * admitted the call. Only tools with `cache: { ttl }` (read-only by registry rule) take part.
 */

import type { ResponseCache } from "../cache/mod.ts";
import { canonicalJson } from "../canonical_json.ts";
import type { UpstreamReply } from "../errors.ts";
import type { CallContext, CallNext, CallOutcome, CallStage } from "./stages.ts";
import { declaresTasks } from "./task_handlers.ts";

/** Options of {@linkcode createCacheStages}. */
export interface CacheStageOptions {
  /** The response cache the results of cacheable tools are read from and stored in. */
  cache: ResponseCache;
  /**
   * Whose data a call's response is. Default: `public` for a tool without a credential; with one,
   * the credential and the caller's identity (see {@linkcode defaultCacheScope}).
   */
  scopeOf?: (ctx: CallContext) => string;
}

/** The two cache stages; put `lookahead` before the limit stage and `serve` after it. */
export interface CacheStages {
  /** Starts the cache read for a cacheable call, then runs the rest; raises only what that raises. */
  lookahead: CallStage;
  /**
   * Serves hits and coalesced calls; runs the rest of the pipeline otherwise.
   * @throws the call's own error, shared with coalesced calls; GatewayError UPSTREAM_TIMEOUT when
   *   an identical call in flight outlasts the tool's timeout; CANCELLED.
   */
  serve: CallStage;
}

/**
 * The default cache scope. Why the caller's identity for every credentialed tool: until the vault
 * says whether a credential is shared or per user, assuming per user never hands one tenant's
 * data to another (a shared credential merely caches per caller).
 */
export function defaultCacheScope(ctx: CallContext): string {
  const auth = ctx.tool.auth;
  return auth === undefined ? "public" : `credential:${auth}|caller:${ctx.caller.principal.id}`;
}

/** Creates both cache stages over one cache; raises nothing itself. */
export function createCacheStages(options: CacheStageOptions): CacheStages {
  const { cache } = options;
  const scopeOf = options.scopeOf ?? defaultCacheScope;
  const keyOf = (ctx: CallContext) => {
    const argsText = canonicalJson(ctx.args);
    ctx.facts.argsText = argsText;
    return cache.keyOf(ctx.tool.name, scopeOf(ctx), argsText);
  };
  return {
    lookahead(ctx, next) {
      if (ctx.tool.cache === undefined || isRetry(ctx)) return next();
      const key = keyOf(ctx);
      return next({ cacheLookahead: { key, peek: cache.peek(key) } });
    },
    // Why not async for an uncached call: an async frame would stay live for the whole call just
    // to pass it on (heap per in-flight call).
    serve(ctx, next) {
      const spec = ctx.tool.cache;
      if (spec === undefined || isRetry(ctx)) return next();
      return serveCached(ctx, next, spec.ttlMs);
    },
  };

  async function serveCached(
    ctx: CallContext,
    next: CallNext,
    ttlMs: number,
  ): Promise<CallOutcome> {
    const started = ctx.cacheLookahead;
    const key = started?.key ?? keyOf(ctx);
    const peeked = await started?.peek;
    // Why a local: the cache stores results only; what the upstream answered comes back to the
    // stages outside only from the flight this call led itself.
    let upstream: UpstreamReply | undefined;
    const served = await cache.serve(
      { key, ttlMs, timeoutMs: ctx.tool.backend.timeoutMs, signal: ctx.signal },
      async () => {
        const outcome = await next();
        upstream = outcome.upstream;
        return outcome.result;
      },
      peeked,
    );
    if (served.source === "hit") ctx.facts.cacheHit = true;
    if (served.source === "coalesced") ctx.facts.coalesced = true;
    return upstream === undefined ? { result: served.result } : { result: served.result, upstream };
  }
}

/**
 * A 2026-07-28 retry carrying the client's input: it continues one exchange, never cached. So is
 * a call that accepts a task: a task handle is one caller's, never shared with coalesced calls.
 */
function isRetry(ctx: CallContext): boolean {
  return ctx.downstream?.requestState !== undefined ||
    ctx.downstream?.inputResponses !== undefined || declaresTasks(ctx.downstream);
}
