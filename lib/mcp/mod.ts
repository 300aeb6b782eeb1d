/**
 * The MCP surface: SDK server wiring for both protocol eras and the tool-call pipeline. Only
 * what other folders use is exported here; tests reach other files directly.
 */

/** The stage injecting a tool's credential and retrying once after HTTP 401; raises what the
 * vault raises, credential faults as INTERNAL naming only the request id. */
export { createCredentialStage } from "./credential_stage.ts";
export {
  createMcpService,
  type McpFetchOptions,
  type McpService,
  type McpServiceOptions,
} from "./service.ts";
/** `isModernPost()`: whether the SDK serves a parsed POST as 2026-07-28; raises nothing. */
export { isModernPost } from "./era.ts";
export type { ServerDeps } from "./server_factory.ts";
/** What the prompt, resource and completion handlers read and route through; type only. */
export type { CatalogAccess } from "./catalog_handlers.ts";
export { serveMcpStdio, type StdioService } from "./stdio.ts";
/** 2025 sessions across instances: the channel the gateway implements, and the lone-instance one. */
export { localSessionPeers, type SessionPeerEvent, type SessionPeers } from "./session_peers.ts";
export {
  type AdmissionRequest,
  type CacheLookahead,
  type CallContext,
  type CallFacts,
  type CallNext,
  type CallPatch,
  type CallRecord,
  type CallStage,
  NO_HOOKS,
  type PipelineHooks,
  type TaskEvent,
} from "./stages.ts";
/** Rate-limit hook and stages (budgets, tool limits, backends' quotas); they raise RATE_LIMITED
 * with `retryAfterMs`. */
export {
  createAdmission,
  createLimitStage,
  createUpstreamStage,
  type LimitStageOptions,
} from "./limit_stage.ts";
/** Response-cache stages (lookahead before limits, serve after); see `CacheStages.serve`. */
export { type CacheStageOptions, type CacheStages, createCacheStages } from "./cache_stage.ts";
/**
 * `callTool()` runs one `tools/call` through the pipeline (used by `nexus tools test`); raises
 * the protocol errors of the error table (RATE_LIMITED, NOT_FOUND, INVALID_PARAMS, …).
 */
export { type CallOptions, callTool, type FinishingCall } from "./call_pipeline.ts";
/** What a traced call reports (`PipelineHooks.trace`); types only. */
export type { TraceEvent, TraceSink } from "./trace.ts";
/**
 * Span wrappers for the pipeline when tracing is on (stage, backend and admission spans); raise
 * what the wrapped stage raises.
 */
export {
  backendSpanStage,
  type StageAttributes,
  tracedAdmission,
  tracedStage,
} from "./traced_stages.ts";
