/**
 * The credential stage: for a tool whose definition names a credential (`auth: jira`), resolves
 * it and hands the backend the `OutboundAuth` to inject (in its `next` patch); after an upstream HTTP 401 it retries
 * once, with a newer token (OAuth) or with the previous version during its grace period.
 * Innermost stage: a retry re-runs only the backend, never limits or cache.
 */

import { isUnauthorized, type ResolvedCredential, type Vault } from "../credentials/mod.ts";
import { GatewayError, isGatewayError } from "../errors.ts";
import type { CallContext, CallNext, CallOutcome, CallPatch, CallStage } from "./stages.ts";

const CLIENT_SAFE: ReadonlySet<string> = new Set([
  "UPSTREAM_ERROR",
  "UPSTREAM_UNAVAILABLE",
  "UPSTREAM_TIMEOUT",
  "CANCELLED",
]);

/** Builds the stage over the vault's call-path operations; without a vault it fails closed. */
export function createCredentialStage(
  vault: Pick<Vault, "resolve" | "retryAfterUnauthorized"> | undefined,
): CallStage {
  // Why: without a vault a tool that needs a credential fails closed, never calls unauthenticated.
  const source = vault ?? NO_VAULT;
  // Why not async for a tool without a credential: an async frame would stay live for the whole
  // call just to pass it on (heap per in-flight call).
  return function credentialStage(ctx, next) {
    const name = ctx.tool.auth;
    return name === undefined ? next() : withCredential(source, name, { ctx, next });
  };
}

async function withCredential(
  source: Pick<Vault, "resolve" | "retryAfterUnauthorized">,
  name: string,
  { ctx, next }: { ctx: CallContext; next: CallNext },
): Promise<CallOutcome> {
  const resolved = await resolveFor(source, name, ctx);
  try {
    return await next(use(ctx, resolved));
  } catch (error) {
    if (!isUnauthorized(error)) throw error;
    const retry = await retryFor(source, resolved, ctx);
    if (retry === undefined) throw error;
    return await next(use(ctx, retry));
  }
}

const NO_VAULT: Pick<Vault, "resolve" | "retryAfterUnauthorized"> = {
  resolve: () =>
    Promise.reject(new GatewayError("INVALID_CONFIG", "No credential vault in this pipeline")),
  retryAfterUnauthorized: () => Promise.resolve(undefined),
};

/** Records the credential used and returns the patch that hands it to the backend. */
function use(ctx: CallContext, resolved: ResolvedCredential): CallPatch {
  ctx.facts.credential = { name: resolved.name, version: resolved.version };
  return { outboundAuth: resolved.auth };
}

/**
 * @throws the OAuth UPSTREAM_* error as is (its text is written for the caller), and for anything
 * else (a missing credential, no master key, a blob that does not open) an INTERNAL error naming
 * only the request id: the credential's name and the vault's state stay in the log.
 */
async function resolveFor(
  vault: Pick<Vault, "resolve">,
  name: string,
  ctx: CallContext,
): Promise<ResolvedCredential> {
  try {
    return await vault.resolve(name);
  } catch (error) {
    if (isGatewayError(error) && CLIENT_SAFE.has(error.code)) throw error;
    ctx.logger.error("Cannot resolve the tool's credential", {
      requestId: ctx.requestId,
      tool: ctx.tool.name,
      credential: name,
      error,
    });
    throw new GatewayError(
      "INTERNAL",
      `Internal error: see gateway log for request ${ctx.requestId}`,
      { data: { requestId: ctx.requestId } },
    );
  }
}

async function retryFor(
  vault: Pick<Vault, "retryAfterUnauthorized">,
  used: ResolvedCredential,
  ctx: CallContext,
): Promise<ResolvedCredential | undefined> {
  try {
    return await vault.retryAfterUnauthorized(used);
  } catch (error) {
    // Why: the caller is better served by the upstream's own 401 than by a renewal failure.
    ctx.logger.warn("Cannot retry after HTTP 401", {
      requestId: ctx.requestId,
      credential: used.name,
      error,
    });
    return undefined;
  }
}
