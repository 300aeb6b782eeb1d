/**
 * The innermost step of the `tools/call` pipeline: the backend, run with what the stages added to
 * the call's context, its upstream status recorded as a fact, then its output checked.
 */

import { type CallOutcome, executeTool, NO_REDACTION } from "../backends/mod.ts";
import { isGatewayError } from "../errors.ts";
import type { RegistrySnapshot } from "../registry/mod.ts";
import type { ToolDefinition } from "../registry/types.ts";
import { checkOutput } from "./call_checks.ts";
import type { CallContext, CallFacts, PipelineHooks } from "./stages.ts";
import { tracingFetch } from "./trace.ts";

/**
 * The innermost step: the backend, its upstream status as a fact, then the output check. Why a
 * promise chain and not an async function: its frame would stay live for the whole backend call.
 */
export function runBackend(
  ctx: CallContext,
  snapshot: RegistrySnapshot,
  hooks: Pick<PipelineHooks, "databases" | "trace">,
): Promise<CallOutcome> {
  const ran = started(() =>
    executeTool(ctx.tool, ctx.args, {
      signal: ctx.signal,
      logger: ctx.logger,
      egressOrigins: snapshot.egressOrigins,
      principal: ctx.caller.principal.id,
      ...(ctx.outboundAuth === undefined ? {} : { outboundAuth: ctx.outboundAuth }),
      ...(hooks.databases === undefined ? {} : { databases: hooks.databases }),
      ...(ctx.downstream === undefined ? {} : { downstream: ctx.downstream }),
      ...(hooks.trace === undefined ? {} : {
        fetch: tracingFetch(hooks.trace, ctx.outboundAuth?.redact ?? NO_REDACTION),
      }),
    })
  );
  return checkedOutcome(ran, ctx.facts, ctx.tool);
}

/**
 * `ran`'s outcome, its upstream status recorded in `facts` and its output checked. Why a function
 * of its own: its handlers, kept for the whole backend call, hold the facts and the tool, not the
 * whole call context.
 */
function checkedOutcome(
  ran: Promise<CallOutcome>,
  facts: CallFacts,
  tool: ToolDefinition,
): Promise<CallOutcome> {
  return ran.then((outcome) => {
    recordStatus(facts, outcome.upstream?.status);
    checkOutput(tool, outcome.result);
    return outcome;
  }, (error) => {
    recordStatus(facts, isGatewayError(error) ? error.upstream?.status : undefined);
    throw error;
  });
}

/** `work()`, a synchronous throw turned into a rejection (as an async function would). */
function started<T>(work: () => Promise<T>): Promise<T> {
  try {
    return work();
  } catch (error) {
    return Promise.reject(error);
  }
}

/** Why the last attempt wins: after a retried 401 the audit shows what the retry got. */
function recordStatus(facts: CallFacts, status: number | undefined): void {
  if (status === undefined) delete facts.backendStatus;
  else facts.backendStatus = status;
}
