/**
 * What the `tools/call` pipeline checks of a call and its result (arguments against the tool's
 * input schema, structured output against its output schema) and the results it makes itself.
 */

import { GatewayError } from "../errors.ts";
import type { ToolDefinition, ToolResult } from "../registry/types.ts";
import { boundedProblems, cut, MAX_ERROR_TEXT } from "./bounded.ts";

/** The task id of a task handle result (either era's); undefined for any other result. */
export function createdTaskId(result: ToolResult): string | undefined {
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

export function readArguments(value: unknown): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new GatewayError("INVALID_PARAMS", "Invalid params: arguments must be an object");
  }
  return value as Record<string, unknown>;
}

export function checkArguments(tool: ToolDefinition, args: Record<string, unknown>): void {
  const found = tool.checkInput(args);
  if (found.length === 0) return;
  const problems = boundedProblems(found);
  throw new GatewayError(
    "INVALID_INPUT",
    `Invalid arguments for tool "${tool.name}": ${problems.join("; ")}`,
    { data: { problems } },
  );
}

export function checkOutput(tool: ToolDefinition, result: ToolResult): void {
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
