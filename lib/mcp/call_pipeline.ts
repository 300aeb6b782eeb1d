/**
 * The `tools/call` pipeline: admit the call (the client's and the gateway's rate-limit budgets,
 * before any work), find the tool (as this caller may see it), validate the arguments against its
 * compiled input schema, run the stages and the backend, check declared output, and turn failures
 * into tool results or protocol errors through the error table, with bounded messages.
 */

import type { Caller } from "../auth/mod.ts";
import type { CallOutcome } from "../backends/mod.ts";
import { runBackend } from "./call_backend.ts";
import { GatewayError, toClientError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { RegistrySnapshot } from "../registry/mod.ts";
import type { DownstreamCall, ToolDefinition, ToolResult } from "../registry/types.ts";
import { quotedName } from "./bounded.ts";
import { checkArguments, createdTaskId, errorResult, readArguments } from "./call_checks.ts";
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
  finishResult?: (result: ToolResult, call: FinishingCall) => ToolResult;
}

/**
 * The call whose result `finishResult` turns. Why passed and not captured: a finisher shared by
 * every call then needs no closure per call in flight (heap per call).
 */
export interface FinishingCall {
  /** The registry snapshot the call ran against. */
  readonly snapshot: RegistrySnapshot;
  /** The tool name as the caller sent it. */
  readonly toolName: string;
  /** Who called. */
  readonly caller: Caller;
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
  return settleTool(snapshot, request, options, resultOf);
}

/** What a call asks for: the tool's name as sent and its arguments. */
export interface CallRequest {
  /** The tool name as the caller sent it. */
  readonly name: string;
  /** The arguments as sent (validated against the tool's input schema before it runs). */
  readonly arguments?: unknown;
}

/** How a call ended: the client's result, or the error `callTool` rejects with. */
export type CallEnd = { result: ToolResult } | { error: unknown };

/**
 * Runs one tool call as {@linkcode callTool} does and hands how it ended, and `request` itself, to
 * `then`, in the same handler that ends the call; the promise is `then`'s result. Why: a caller
 * that reads the end (the direct path) keeps no promise layer of its own for the whole call, and
 * with what it needs on `request`, no closure either (heap per call in flight). Raises only what
 * `then` raises.
 */
export function settleTool<T, R extends CallRequest>(
  snapshot: RegistrySnapshot,
  request: R,
  options: CallOptions,
  then: (end: CallEnd, request: R) => T | Promise<T>,
): Promise<T> {
  // Why a number and not a `Date`, and the options' fields and not the options: it is kept for
  // the whole call (heap per call in flight).
  const call: RunningCall<T, R> = {
    snapshot,
    request,
    caller: options.caller,
    requestId: options.requestId,
    logger: options.logger,
    hooks: options.hooks,
    finishResult: options.finishResult,
    facts: {},
    startedAtMs: Date.now(),
    started: performance.now(),
    onEnd: then,
  };
  let admitted: Promise<void> | undefined;
  try {
    // Why first: a call for an unknown, denied or invalid tool must spend the caller's budget
    // like any other, or a flood of them runs the validator and the audit log unchecked.
    admitted = options.hooks.admit({
      caller: options.caller,
      toolName: request.name,
      requestId: options.requestId,
    });
  } catch (error) {
    return settled(Promise.reject(error), call);
  }
  // Why a chain and not an async function: a suspended async frame keeps its registers and
  // promises for the whole call (heap per call in flight); these handlers hold only `call`.
  // Why run at once when admitted at once: a chain on admission would keep a promise layer more.
  if (admitted === undefined) return settled(runCall(call, options), call);
  return admitted.then(() => settled(runCall(call, options), call), (error) => ended(call, error));
}

function resultOf(end: CallEnd): ToolResult {
  if ("result" in end) return end.result;
  throw end.error;
}

/** The call's end once `ran` ends: recorded, turned into what the client gets, handed to `then`. */
function settled<T, R extends CallRequest>(
  ran: Promise<CallOutcome>,
  call: RunningCall<T, R>,
): Promise<T> {
  // Why handlers bound to the call and not closures over it: a bound pair needs no context
  // object, 56 B fewer per call in flight.
  const onOutcome = ranTo<T, R>;
  const onError = ranInto<T, R>;
  return ran.then(onOutcome.bind(call), onError.bind(call));
}

/** `settled`'s handler of an outcome, bound to its call. */
function ranTo<T, R extends CallRequest>(
  this: RunningCall<T, R>,
  outcome: CallOutcome,
): T | Promise<T> {
  let end: CallEnd;
  try {
    end = { result: succeeded(this, outcome) };
  } catch (error) {
    end = { error };
  }
  return this.onEnd(end, this.request);
}

/** `settled`'s handler of a failure, bound to its call. */
function ranInto<T, R extends CallRequest>(
  this: RunningCall<T, R>,
  error: unknown,
): T | Promise<T> {
  return ended(this, error);
}

/** A call that failed with `error`, recorded and handed to `then`. */
function ended<T, R extends CallRequest>(call: RunningCall<T, R>, error: unknown): T | Promise<T> {
  let end: CallEnd;
  try {
    end = { result: failed(call, error) };
  } catch (thrown) {
    end = { error: thrown };
  }
  return call.onEnd(end, call.request);
}

/** One call in flight: what its end reports, and who is told. */
interface RunningCall<T = unknown, R extends CallRequest = CallRequest> {
  snapshot: RegistrySnapshot;
  request: R;
  caller: Caller;
  requestId: string;
  logger: Logger;
  hooks: PipelineHooks;
  finishResult: CallOptions["finishResult"];
  facts: CallFacts;
  startedAtMs: number;
  started: number;
  /** `settleTool`'s `then`. Why not named `then`: this record would be a thenable. */
  onEnd(end: CallEnd, request: R): T | Promise<T>;
}

/** Finds the tool, checks the arguments and runs the stages and the backend. */
function runCall(call: RunningCall, options: CallOptions): Promise<CallOutcome> {
  const { snapshot, request, facts } = call;
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
    const finish = call.finishResult;
    result = finish === undefined ? outcome.result : finish(outcome.result, {
      snapshot: call.snapshot,
      toolName: call.request.name,
      caller: call.caller,
    });
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
  const outcome = toClientError(error, call.requestId);
  if (outcome.code === "INTERNAL") {
    call.logger.error("Tool call failed", { requestId: call.requestId, error });
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
  const { request } = call;
  call.hooks.onFinished({
    requestId: call.requestId,
    caller: call.caller,
    toolName: request.name,
    args: request.arguments,
    outcome: outcome?.code ?? "ok",
    isError: result?.isError === true,
    startedAt: new Date(call.startedAtMs),
    durationMs: performance.now() - call.started,
    facts: call.facts,
  });
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
