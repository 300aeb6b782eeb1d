/**
 * The `tools/call` pipeline: find the tool, validate the arguments against its compiled input
 * schema, run its backend, check declared output, and turn failures into results or errors.
 */

import { executeTool } from "../backends/mod.ts";
import { GatewayError, toClientError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { RegistrySnapshot } from "../registry/mod.ts";
import type { ToolDefinition, ToolResult } from "../registry/types.ts";

/** What one call needs besides its name and arguments. */
export interface CallOptions {
  signal: AbortSignal;
  logger: Logger;
  requestId: string;
}

/**
 * Runs one tool call end to end and returns the MCP result.
 * @throws GatewayError NOT_FOUND for an unknown tool, INVALID_PARAMS for non-object arguments,
 *   and any code whose table row is not a tool result (e.g. CANCELLED, INTERNAL).
 */
export async function callTool(
  snapshot: RegistrySnapshot,
  request: { name: string; arguments?: unknown },
  options: CallOptions,
): Promise<ToolResult> {
  const tool = snapshot.byName.get(request.name);
  // Why: a tool the caller may not use must answer exactly like this, so callers cannot
  // enumerate what they are denied (policy lands with the auth issue; keep the one message).
  if (!tool) throw new GatewayError("NOT_FOUND", `Unknown tool: "${request.name}"`);
  const started = performance.now();
  try {
    const args = readArguments(request.arguments);
    checkArguments(tool, args);
    const result = await executeTool(tool, args, {
      signal: options.signal,
      logger: options.logger,
      egressOrigins: snapshot.egressOrigins,
    });
    checkOutput(tool, result);
    logCall(options, tool, started, "ok");
    return result;
  } catch (error) {
    const clientError = toClientError(error, options.requestId);
    logCall(options, tool, started, clientError.code, error);
    if (clientError.mapping.toolResult) return errorResult(clientError);
    throw clientError;
  }
}

/** A `tools/call` result carrying an error the model can read. */
export function errorResult(error: GatewayError): ToolResult {
  return { content: [{ type: "text", text: error.message }], isError: true };
}

function readArguments(value: unknown): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new GatewayError("INVALID_PARAMS", "Invalid params: arguments must be an object");
  }
  return value as Record<string, unknown>;
}

function checkArguments(tool: ToolDefinition, args: Record<string, unknown>): void {
  const problems = tool.checkInput(args);
  if (problems.length === 0) return;
  throw new GatewayError(
    "INVALID_INPUT",
    `Invalid arguments for tool "${tool.name}": ${problems.join("; ")}`,
    { data: { problems } },
  );
}

function checkOutput(tool: ToolDefinition, result: ToolResult): void {
  if (!tool.checkOutput || result.isError) return;
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

function logCall(
  options: CallOptions,
  tool: ToolDefinition,
  started: number,
  outcome: string,
  error?: unknown,
): void {
  const fields = {
    tool: tool.name,
    requestId: options.requestId,
    outcome,
    ms: Math.round((performance.now() - started) * 10) / 10,
  };
  if (outcome === "INTERNAL") options.logger.error("Tool call failed", { ...fields, error });
  else options.logger.debug("Tool call", fields);
}
