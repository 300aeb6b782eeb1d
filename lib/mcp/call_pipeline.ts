/**
 * The `tools/call` pipeline: admit the call (the client's and the gateway's rate-limit budgets,
 * before any work), find the tool (as this caller may see it), validate the arguments against its
 * compiled input schema, run the stages and the backend, check declared output, and turn failures
 * into tool results or protocol errors through the error table, with bounded messages.
 */

import type { Caller } from "../auth/mod.ts";
import { type CallOutcome, executeTool, NO_REDACTION } from "../backends/mod.ts";
import { GatewayError, isGatewayError, toClientError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { RegistrySnapshot } from "../registry/mod.ts";
import type { DownstreamCall, ToolDefinition, ToolResult } from "../registry/types.ts";
import { boundedProblems, cut, MAX_ERROR_TEXT, quotedName } from "./bounded.ts";
import { tracingFetch } from "./trace.ts";
import { type CallContext, type CallFacts, type PipelineHooks, runStages } from "./stages.ts";

/** What one call needs besides its name and arguments. */
export interface CallOptions {
  /** Who calls; the tool must be visible to it (`PipelineHooks.canUse`), or the call is NOT_FOUND. */
  caller: Caller;
  /** MCP session id where the client has one (2025-era sessions); absent when stateless. */
  sessionId?: string;
  /** Fires when the client cancels the request; passed on to the stages and the backend. */
  signal: AbortSignal;
  /** Where INTERNAL failures are logged, with `requestId`. */
  logger: Logger;
  /** The gateway's id for this call (a UUID), shown in logs, audit rows and INTERNAL errors. */
  requestId: string;
  /** Admission, stages, visibility and the finish observer this call runs through. */
  hooks: PipelineHooks;
  /** The calling MCP client, for what a federated tool relays; absent: nothing is relayed. */
  downstream?: DownstreamCall;
  /**
   * Turns the backend's result into the client's before the call is recorded (a relayed task
   * handle gets its gateway task id here, so the audit row names the task); raises nothing.
   */
  finishResult?: (result: ToolResult) => ToolResult;
}

/**
 * Runs one tool call end to end and returns the MCP result.
 * @throws GatewayError RATE_LIMITED (checked first, for every call), NOT_FOUND for an unknown (or
 *   not permitted) tool, INVALID_PARAMS for non-object arguments, and any code whose table row is
 *   not a tool result.
 */
export function callTool(
  snapshot: RegistrySnapshot,
  request: { name: string; arguments?: unknown },
  options: CallOptions,
): Promise<ToolResult> {
  // Why a number and not a `Date`: it is kept for the whole call (heap per call in flight).
  const call: RunningCall = {
    snapshot,
    request,
    options,
    facts: {},
    startedAtMs: Date.now(),
    started: performance.now(),
  };
  let admitted: Promise<void>;
  try {
    // Why first: a call for an unknown, denied or invalid tool must spend the caller's budget
    // like any other, or a flood of them runs the validator and the audit log unchecked.
    admitted = options.hooks.admit({
      caller: options.caller,
      toolName: request.name,
      requestId: options.requestId,
    });
  } catch (error) {
    admitted = Promise.reject(error);
  }
  // Why a chain and not an async function: a suspended async frame keeps its registers and
  // promises for the whole call (heap per call in flight); these handlers hold only `call`.
  return admitted.then(
    () => runCall(call).then((outcome) => succeeded(call, outcome), (error) => failed(call, error)),
    (error) => failed(call, error),
  );
}

/** One call in flight: what its end reports. */
interface RunningCall {
  snapshot: RegistrySnapshot;
  request: { name: string; arguments?: unknown };
  options: CallOptions;
  facts: CallFacts;
  startedAtMs: number;
  started: number;
}

/** Finds the tool, checks the arguments and runs the stages and the backend. */
function runCall(call: RunningCall): Promise<CallOutcome> {
  const { snapshot, request, options, facts } = call;
  try {
    const tool = findTool(snapshot, request.name, options);
    const args = readArguments(request.arguments);
    checkArguments(tool, args);
    const ctx: CallContext = Object.freeze({
      caller: options.caller,
      ...(options.sessionId === undefined ? {} : { sessionId: options.sessionId }),
      requestId: options.requestId,
      signal: options.signal,
      logger: options.logger,
      ...(options.downstream === undefined ? {} : { downstream: options.downstream }),
      tool,
      args,
      facts,
    });
    return runStages(
      options.hooks.stages,
      ctx,
      (inner) => runBackend(inner, snapshot, options.hooks),
    );
  } catch (error) {
    return Promise.reject(error);
  }
}

/** The client's result of a call that ran to its end; recorded. */
function succeeded(call: RunningCall, outcome: CallOutcome): ToolResult {
  let result: ToolResult;
  try {
    const finish = call.options.finishResult;
    result = finish === undefined ? outcome.result : finish(outcome.result);
    const taskId = createdTaskId(result);
    if (taskId !== undefined) call.facts.task = { event: "created", id: taskId };
  } catch (error) {
    return failed(call, error);
  }
  recordFinished(call, undefined, result);
  return result;
}

/**
 * A failed call as its tool result (when its error's table row is one), else thrown as the
 * client's error; recorded either way.
 */
function failed(call: RunningCall, error: unknown): ToolResult {
  const { options } = call;
  const outcome = toClientError(error, options.requestId);
  if (outcome.code === "INTERNAL") {
    options.logger.error("Tool call failed", { requestId: options.requestId, error });
  }
  if (!outcome.mapping.toolResult) {
    recordFinished(call, outcome, undefined);
    throw outcome;
  }
  const result = errorResult(outcome);
  recordFinished(call, outcome, result);
  return result;
}

function recordFinished(
  call: RunningCall,
  outcome: GatewayError | undefined,
  result: ToolResult | undefined,
): void {
  const { request, options } = call;
  options.hooks.onFinished({
    requestId: options.requestId,
    caller: options.caller,
    toolName: request.name,
    args: request.arguments,
    outcome: outcome?.code ?? "ok",
    isError: result?.isError === true,
    startedAt: new Date(call.startedAtMs),
    durationMs: performance.now() - call.started,
    facts: call.facts,
  });
}

/** The task id of a task handle result (either era's); undefined for any other result. */
function createdTaskId(result: ToolResult): string | undefined {
  const handle = result as { resultType?: unknown; taskId?: unknown; task?: { taskId?: unknown } };
  if (handle.resultType === "task") {
    return typeof handle.taskId === "string" ? handle.taskId : undefined;
  }
  // Why: a 2025-11-25 CreateTaskResult holds the task under `task`.
  const core = handle.task?.taskId;
  return typeof core === "string" ? core : undefined;
}

/** A `tools/call` result carrying an error the model can read, cut at a few KB. */
export function errorResult(error: GatewayError): ToolResult {
  return { content: [{ type: "text", text: cut(error.message, MAX_ERROR_TEXT) }], isError: true };
}

function findTool(snapshot: RegistrySnapshot, name: string, options: CallOptions): ToolDefinition {
  const tool = snapshot.byName.get(name);
  // Why: a tool the caller may not use answers exactly like a tool that does not exist, so
  // callers cannot enumerate what they are denied. Do not "improve" this message.
  if (!tool || !options.hooks.canUse(options.caller, tool)) {
    throw new GatewayError("NOT_FOUND", `Unknown tool: "${quotedName(name)}"`);
  }
  return tool;
}

/**
 * The innermost step: the backend, its upstream status as a fact, then the output check. Why a
 * promise chain and not an async function: its frame would stay live for the whole backend call.
 */
function runBackend(
  ctx: CallContext,
  snapshot: RegistrySnapshot,
  hooks: Pick<PipelineHooks, "databases" | "trace">,
): Promise<CallOutcome> {
  return started(() =>
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
  ).then((outcome) => {
    recordStatus(ctx.facts, outcome.upstream?.status);
    checkOutput(ctx.tool, outcome.result);
    return outcome;
  }, (error) => {
    recordStatus(ctx.facts, isGatewayError(error) ? error.upstream?.status : undefined);
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

function readArguments(value: unknown): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new GatewayError("INVALID_PARAMS", "Invalid params: arguments must be an object");
  }
  return value as Record<string, unknown>;
}

function checkArguments(tool: ToolDefinition, args: Record<string, unknown>): void {
  const found = tool.checkInput(args);
  if (found.length === 0) return;
  const problems = boundedProblems(found);
  throw new GatewayError(
    "INVALID_INPUT",
    `Invalid arguments for tool "${tool.name}": ${problems.join("; ")}`,
    { data: { problems } },
  );
}

function checkOutput(tool: ToolDefinition, result: ToolResult): void {
  // Why: an `input_required` result is not the tool's output yet; the client's retry gets that.
  if (!tool.checkOutput || result.isError || isInputRequired(result)) return;
  if (result.structuredContent === undefined) {
    throw new GatewayError(
      "UPSTREAM_ERROR",
      `Tool "${tool.name}" declares an output schema but its backend returned no structured content`,
    );
  }
  const problems = tool.checkOutput(result.structuredContent);
  if (problems.length === 0) return;
  throw new GatewayError(
    "UPSTREAM_ERROR",
    `Tool "${tool.name}" returned output that does not match its output schema: ${
      problems.join("; ")
    }`,
  );
}

/** Whether `result` is a 2026-07-28 `input_required` result a federated tool relays. */
export function isInputRequired(result: ToolResult): boolean {
  return (result as { resultType?: unknown }).resultType === "input_required";
}
