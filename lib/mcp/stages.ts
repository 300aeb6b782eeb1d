/**
 * The seams of the `tools/call` pipeline. Each concern (policy, rate limits, cache, credentials,
 * audit) plugs in here without the pipeline knowing about it; the gateway composes the order.
 *
 * A stage gets an immutable context and calls `next(patch?)`: what it adds for the stages inside
 * it (a credential, a cache read) goes down in the patch, typed; what the backend learned comes
 * back up in the outcome (or a thrown error's `upstream`). Nothing is installed on shared objects.
 */

import type { Caller } from "../auth/mod.ts";
import type { CallOutcome, DatabasePools } from "../backends/mod.ts";
import type { Outcome } from "../cache/mod.ts";
import type { OutboundAuth } from "../credentials/mod.ts";
import type { ErrorCode } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { DownstreamCall, ToolDefinition } from "../registry/types.ts";
import type { Tracing } from "../telemetry/mod.ts";
import type { TraceSink } from "./trace.ts";

export type { CallOutcome } from "../backends/mod.ts";

/** Facts stages record about one call, for the audit log and metrics. */
export interface CallFacts {
  /** True when the response cache answered the call; absent when it did not. */
  cacheHit?: boolean;
  /** True when the call shared the result of an identical call already in flight. */
  coalesced?: boolean;
  /** The credential (name and version) injected into the backend request; absent: none used. */
  credential?: { name: string; version: number };
  /**
   * The HTTP status the upstream answered the last backend attempt with (also on an error, e.g.
   * 500); absent when no HTTP upstream answered (in-process tools, cache hits, network failures).
   */
  backendStatus?: number;
  /**
   * A task the call created (its result was a task handle) or whose end a `tasks/*` relay saw;
   * `id` is the gateway's task id (never the upstream's), which the audit log hashes.
   */
  task?: { event: TaskEvent; id: string };
  /**
   * The call's arguments object in canonical JSON, when a stage already wrote it (the cache key),
   * so the audit row does not write it again.
   */
  argsText?: string;
}

/** What happened to a relayed task: the audit outcome is `task_<event>`. */
export type TaskEvent = "created" | "completed" | "failed" | "cancelled";

/** The cache read the lookahead stage started for a cacheable call, for the serve stage. */
export interface CacheLookahead {
  /** The entry key (`cacheKeyOf` of tool, scope and arguments). */
  readonly key: string;
  /** The read in flight: the cached outcome, or undefined on a miss or a store fault. */
  readonly peek: Promise<Outcome | undefined>;
}

/** What a stage may add to the context of the stages inside it (and of the backend). */
export interface CallPatch {
  /** The tool's credential to inject, set by the credential stage. */
  readonly outboundAuth?: OutboundAuth;
  /** The cache read started by the cache lookahead stage; absent for an uncached tool. */
  readonly cacheLookahead?: CacheLookahead;
}

/** One call as it travels through the stages; frozen, a stage changes it only through `next`. */
export interface CallContext extends CallPatch {
  /** The tool being called, as the registry snapshot of this call defines it. */
  readonly tool: ToolDefinition;
  /** Arguments, already validated against the tool's input schema. */
  readonly args: Record<string, unknown>;
  /** Who calls: the authenticated principal (or the anonymous one) and its virtual server. */
  readonly caller: Caller;
  /** MCP session id where the client has one (2025-era sessions); absent when stateless. */
  readonly sessionId?: string;
  /** The gateway's id for this call (a UUID), shown in logs, audit rows and INTERNAL errors. */
  readonly requestId: string;
  /** Fires when the client cancels the request; stages and the backend stop work on it. */
  readonly signal: AbortSignal;
  /** The gateway logger; stages log with `requestId` as a field. */
  readonly logger: Logger;
  /** The calling MCP client, for the progress, logs and requests a federated tool relays. */
  readonly downstream?: DownstreamCall;
  /**
   * The call's journal for the audit log and metrics: the one mutable part, shared by every
   * patched copy of the context; stages and the backend step write to it, `onFinished` reads it.
   */
  readonly facts: CallFacts;
}

/** Runs the rest of the pipeline, with `patch` added to the context it sees. */
export type CallNext = (patch?: CallPatch) => Promise<CallOutcome>;

/**
 * A stage wraps the rest of the pipeline; it may short-circuit, add to the context (`next(patch)`),
 * read the outcome after `next` returns, or retry.
 */
export type CallStage = (ctx: CallContext, next: CallNext) => Promise<CallOutcome>;

/** What the audit log (and metrics) learn when a call finishes, whatever its outcome. */
export interface CallRecord {
  /** The gateway's id for this call, as in `CallContext.requestId`. */
  requestId: string;
  /** Who called (principal and virtual server). */
  caller: Caller;
  /** The tool name as the caller sent it, unchecked (it may name no tool). */
  toolName: string;
  /** Arguments as received (unvalidated for failed validation); the observer decides what to keep. */
  args: unknown;
  /** `ok`, or the error code the call ended with. */
  outcome: "ok" | ErrorCode;
  /** The result was a tool error (`isError: true`) the model can read. */
  isError: boolean;
  /** Wall-clock time the call arrived, before admission. */
  startedAt: Date;
  /** Time from arrival to the result or error, in milliseconds (monotonic clock). */
  durationMs: number;
  /** What the stages recorded; empty for a call refused before its stages ran. */
  facts: CallFacts;
}

/** A call as it arrives, before its tool is looked up: who calls, and the name it asked for. */
export interface AdmissionRequest {
  /** Who calls; the rate-limit budgets are keyed by its principal. */
  readonly caller: Caller;
  /** The name as the caller sent it: unchecked, possibly unknown, denied or very long. */
  readonly toolName: string;
  /** The gateway's id for this call, as in `CallContext.requestId`. */
  readonly requestId: string;
}

/** The pluggable parts of the pipeline. */
export interface PipelineHooks {
  /**
   * Runs first for every call, known tool or not, before lookup and validation; throws (or
   * rejects) to refuse it (the client's and the gateway's rate-limit budgets: RATE_LIMITED).
   * Returns undefined when the call is admitted at once. Why not always a promise: a call with
   * nothing to wait for then keeps no promise layer for its whole life (heap per call in flight).
   */
  admit: (request: AdmissionRequest) => Promise<void> | undefined;
  /** Stages, outermost first. */
  stages: readonly CallStage[];
  /** Whether a caller may see and call a tool; a denied tool answers exactly like a missing one. */
  canUse: (caller: Caller, tool: ToolDefinition) => boolean;
  /** Called once per finished call; must not throw or block (queue, don't write inline). */
  onFinished: (record: CallRecord) => void;
  /**
   * Learns of a relayed task's end seen on `tasks/get` or `tasks/cancel` (`facts.task` set): the
   * audit log only, as it is no tool call for the metrics; absent: not recorded.
   */
  onTaskEvent?: (record: CallRecord) => void;
  /** The databases SQL tools run on, passed to the backend; absent: SQL tools fail. */
  databases?: DatabasePools;
  /**
   * Told of each HTTP request the backend sends (credential redacted) and of its status; absent
   * in serving, set by `nexus tools test` to print the exchange.
   */
  trace?: TraceSink;
  /**
   * OpenTelemetry spans (README "Observability"): a span per MCP request served; absent when
   * tracing is off, and then no span code runs at all.
   */
  tracing?: Tracing;
}

/** Hooks that add nothing: every call admitted, every tool visible, no stages, nothing recorded. */
export const NO_HOOKS: PipelineHooks = {
  admit: () => undefined,
  stages: [],
  canUse: () => true,
  onFinished: () => {},
};

/** Runs `core` inside `stages`, outermost first; each sees the context as the ones outside it left it. */
export function runStages(
  stages: readonly CallStage[],
  ctx: CallContext,
  core: (ctx: CallContext) => Promise<CallOutcome>,
): Promise<CallOutcome> {
  function step(index: number, current: CallContext): Promise<CallOutcome> {
    const stage = stages[index];
    if (stage === undefined) return core(current);
    return stage(current, (patch) => step(index + 1, patched(current, patch)));
  }
  return step(0, Object.isFrozen(ctx) ? ctx : Object.freeze({ ...ctx }));
}

function patched(ctx: CallContext, patch: CallPatch | undefined): CallContext {
  if (patch === undefined) return ctx;
  return Object.freeze({ ...ctx, ...patch });
}
