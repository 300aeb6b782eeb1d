/**
 * The innermost step of the `tools/call` pipeline: the backend, run with what the stages added to
 * the call's context, its upstream status recorded as a fact, then its output checked.
 */

import { type CallOutcome, executeTool, NO_REDACTION, type OutcomeCheck } from "../backends/mod.ts";
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
  const check = new BackendCheck(ctx.facts, ctx.tool);
  try {
    return executeTool(ctx.tool, ctx.args, {
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
      check,
    });
  } catch (error) {
    // Why: a synchronous throw is recorded and rejected as an async function's would be.
    return rejected(() => check.failed(error));
  }
}

/** What `fail` throws, as a rejection. */
function rejected(fail: () => never): Promise<never> {
  try {
    return fail();
  } catch (thrown) {
    return Promise.reject(thrown);
  }
}

/**
 * The backend's outcome with its upstream status recorded in the call's facts and its output
 * checked. Why an object handed to the backend (`ExecuteOptions.check`) and not a chain on its
 * promise: an HTTP tool applies it once the upstream answered, so no promise layer and closures
 * of this step are held while it waits (heap per call in flight); it holds the facts and the tool,
 * not the whole call context.
 */
class BackendCheck implements OutcomeCheck {
  readonly #facts: CallFacts;
  readonly #tool: ToolDefinition;

  constructor(facts: CallFacts, tool: ToolDefinition) {
    this.#facts = facts;
    this.#tool = tool;
  }

  answered(outcome: CallOutcome): CallOutcome {
    recordStatus(this.#facts, outcome.upstream?.status);
    checkOutput(this.#tool, outcome.result);
    return outcome;
  }

  failed(error: unknown): never {
    recordStatus(this.#facts, isGatewayError(error) ? error.upstream?.status : undefined);
    throw error;
  }
}

/** Why the last attempt wins: after a retried 401 the audit shows what the retry got. */
function recordStatus(facts: CallFacts, status: number | undefined): void {
  if (status === undefined) delete facts.backendStatus;
  else facts.backendStatus = status;
}
