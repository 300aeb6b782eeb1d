/**
 * The composition of the `tools/call` pipeline: which stages run, in which order, which policy
 * decides visibility and where finished calls are recorded. Each concern adds itself here.
 */

import type { Config } from "../config/mod.ts";
import type { Logger } from "../log.ts";
import { NO_HOOKS, type PipelineHooks } from "../mcp/mod.ts";

/** What pipeline parts may need; grows with stores, vault, limiter, cache, auth and audit. */
export interface PipelineParts {
  config: Config;
  logger: Logger;
}

/** Builds the pipeline hooks, outermost stage first. */
export function buildPipeline(_parts: PipelineParts): PipelineHooks {
  return NO_HOOKS;
}
