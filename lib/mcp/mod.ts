/**
 * The MCP surface: SDK server wiring for both protocol eras and the tool-call pipeline.
 */

export { type CallOptions, callTool } from "./call_pipeline.ts";
export { createMcpService, type McpService, type McpServiceOptions } from "./service.ts";
export { createServerFactory, type ServerDeps } from "./server_factory.ts";
export { serveMcpStdio, type StdioService } from "./stdio.ts";
export {
  type CallContext,
  type CallFacts,
  type CallRecord,
  type CallStage,
  NO_HOOKS,
  type PipelineHooks,
} from "./stages.ts";
