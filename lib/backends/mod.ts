/**
 * Executing one tool call: routes it to the tool's backend (an HTTP upstream, a SQL database, an
 * in-process TypeScript handler or an upstream MCP server) under the tool's timeout and the
 * client's cancellation.
 */

import type { Logger } from "../log.ts";
import type { ToolDefinition } from "../registry/types.ts";
import { cancelledError } from "./deadline.ts";
import { executeHttp } from "./http/execute.ts";
import { executeMcp } from "./mcp/execute.ts";
import { type CallOutcome, type ExecuteOptions, throughCheck } from "./options.ts";
import { redactOutcome } from "./redact.ts";
import { executeSql } from "./sql/execute.ts";
import { executeTs } from "./ts/execute.ts";

export type { CallOutcome, ExecuteOptions, OutcomeCheck } from "./options.ts";
/** One call's signal: the client's cancellation or its timeout, and which of the two fired. */
export { type AbortCause, createDeadline, type Deadline, deadlineError } from "./deadline.ts";
/** The redactor of a call without a credential: nothing to scrub. */
export { NO_REDACTION } from "./redact.ts";
/** `createDatabasePools()` makes the lazily opened pool of each configured database; raises nothing. */
export { createDatabasePools, type DatabasePools } from "./sql/pools.ts";
/** A configured database, its pool and what one query sends and reads; types only. */
export type {
  DatabaseDriver,
  DatabaseSettings,
  SqlColumn,
  SqlRequest,
  SqlRows,
} from "./sql/driver.ts";

/**
 * Runs one call of `tool` with arguments already validated against its input schema; the outcome
 * carries what an HTTP upstream answered (status, headers), and so does a thrown error's `upstream`.
 * @throws GatewayError INVALID_INPUT, INVALID_TOOL, EGRESS_DENIED, UPSTREAM_ERROR,
 * UPSTREAM_UNAVAILABLE, UPSTREAM_TIMEOUT or CANCELLED (and any GatewayError a TS handler throws).
 */
export function executeTool(
  tool: ToolDefinition,
  args: Record<string, unknown>,
  options: ExecuteOptions,
): Promise<CallOutcome> {
  const { check } = options;
  if (options.signal.aborted) return throughCheck(Promise.reject(cancelledError()), check);
  const logger = toolLogger(options.logger, tool);
  // Why: the credential's secrets (and their encodings) may come back in a body or an error.
  const redact = options.outboundAuth?.redact;
  // Why handed down for an HTTP tool's single request: it checks the outcome in the handler that
  // reads the upstream's answer, one promise layer fewer per call in flight; after a redaction,
  // the check comes after it, here.
  const inside = redact === undefined && tool.backend.kind === "http" &&
    tool.backend.pagination === undefined;
  const { check: _, ...rest } = options;
  const backendOptions: ExecuteOptions = inside && check !== undefined
    ? { ...rest, logger, check }
    : { ...rest, logger };
  const outcome = route(tool, args, backendOptions);
  if (inside) return outcome;
  return throughCheck(redact === undefined ? outcome : redactOutcome(outcome, redact), check);
}

// Why kept: a child logger per call is six closures and two objects held for the whole call;
// the same parent and tool always give the same child. Weak keys: reloads drop old definitions.
const toolLoggers = new WeakMap<Logger, WeakMap<ToolDefinition, Logger>>();

function toolLogger(parent: Logger, tool: ToolDefinition): Logger {
  let byTool = toolLoggers.get(parent);
  if (byTool === undefined) toolLoggers.set(parent, byTool = new WeakMap());
  let logger = byTool.get(tool);
  if (logger === undefined) {
    logger = parent.child({ tool: tool.name, backend: tool.backend.kind });
    byTool.set(tool, logger);
  }
  return logger;
}

function route(
  tool: ToolDefinition,
  args: Record<string, unknown>,
  options: ExecuteOptions,
): Promise<CallOutcome> {
  switch (tool.backend.kind) {
    case "http":
      return executeHttp(tool.backend, args, options);
    case "ts":
      return executeTs(tool.backend, args, options);
    case "mcp":
      return executeMcp(tool.backend, args, options);
    case "sql":
      return executeSql(tool.backend, args, options);
  }
}
