/**
 * The seams of the `tools/call` pipeline. Each concern (policy, rate limits, cache, credentials,
 * audit) plugs in here without the pipeline knowing about it; `main.ts` composes the order.
 */

import type { Caller } from "../auth/mod.ts";
import type { ExecuteOptions } from "../backends/mod.ts";
import type { ErrorCode } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { ToolDefinition, ToolResult } from "../registry/types.ts";

/** Facts stages record about one call, for the audit log and metrics. */
export interface CallFacts {
  /** True when the response cache answered the call; absent when it did not. */
  cacheHit?: boolean;
  /** True when the call shared the result of an identical call already in flight. */
  coalesced?: boolean;
  /** The credential (name and version) injected into the backend request; absent: none used. */
  credential?: { name: string; version: number };
  /** The HTTP status the backend answered with, where a stage recorded it; absent otherwise. */
  backendStatus?: number;
}

/** One call as it travels through the stages. */
export interface CallContext {
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
  /** Facts stages record for the audit log; stages write to it, `onFinished` reads it. */
  readonly facts: CallFacts;
  /** Extra options a stage hands to the backend (e.g. outbound credentials). */
  readonly backend: Partial<ExecuteOptions>;
}

/** A stage wraps the rest of the pipeline; it may short-circuit, annotate or retry. */
export type CallStage = (ctx: CallContext, next: () => Promise<ToolResult>) => Promise<ToolResult>;

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
   * Runs first for every call, known tool or not, before lookup and validation; throws to refuse
   * it (the client's and the gateway's rate-limit budgets: RATE_LIMITED).
   */
  admit: (request: AdmissionRequest) => Promise<void>;
  /** Stages, outermost first. */
  stages: readonly CallStage[];
  /** Whether a caller may see and call a tool; a denied tool answers exactly like a missing one. */
  canUse: (caller: Caller, tool: ToolDefinition) => boolean;
  /** Called once per finished call; must not throw or block (queue, don't write inline). */
  onFinished: (record: CallRecord) => void;
}

/** Hooks that add nothing: every call admitted, every tool visible, no stages, nothing recorded. */
export const NO_HOOKS: PipelineHooks = {
  admit: () => Promise.resolve(),
  stages: [],
  canUse: () => true,
  onFinished: () => {},
};

/** Runs `core` inside `stages`, outermost first. */
export function runStages(
  stages: readonly CallStage[],
  ctx: CallContext,
  core: () => Promise<ToolResult>,
): Promise<ToolResult> {
  function step(index: number): Promise<ToolResult> {
    const stage = stages[index];
    if (stage === undefined) return core();
    return stage(ctx, () => step(index + 1));
  }
  return step(0);
}
