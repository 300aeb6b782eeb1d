/** Builders for tool definitions and execute options shared by the backend tests. */

import assert from "node:assert/strict";
import type { ExecuteOptions } from "../../lib/backends/mod.ts";
import { type ErrorCode, GatewayError } from "../../lib/errors.ts";
import { createLogger } from "../../lib/log.ts";
import type {
  HttpBackendSpec,
  ToolDefinition,
  ToolHandler,
  ToolResult,
  TsBackendSpec,
} from "../../lib/registry/types.ts";

/** An HTTP tool calling `url`, with defaults for everything not given. */
export function httpTool(spec: Partial<HttpBackendSpec> & { url: string }): ToolDefinition {
  const backend: HttpBackendSpec = {
    kind: "http",
    method: "GET",
    query: {},
    headers: {},
    timeoutMs: 5000,
    response: { maxBytes: 100_000 },
    ...spec,
  };
  return toolWith(backend);
}

/** A TypeScript tool running `handler`. */
export function tsTool(handler: ToolHandler, timeoutMs = 5000): ToolDefinition {
  const backend: TsBackendSpec = { kind: "ts", handler, timeoutMs };
  return toolWith(backend);
}

function toolWith(backend: HttpBackendSpec | TsBackendSpec): ToolDefinition {
  return {
    name: "test_tool",
    description: "A tool under test",
    inputSchema: { type: "object" },
    backend,
    source: { file: "tools/test.yaml", line: 1 },
    checkInput: () => [],
  };
}

/** Execute options allowing `origins`, logging debug lines into the returned `lines`. */
export function executeOptions(
  origins: string[],
  overrides: Partial<ExecuteOptions> = {},
): ExecuteOptions & { lines: string[] } {
  const lines: string[] = [];
  return {
    signal: new AbortController().signal,
    logger: createLogger({ level: "debug", sink: (line) => lines.push(line) }),
    egressOrigins: new Set(origins),
    lines,
    ...overrides,
  };
}

/** Awaits `promise`, asserting it rejects with a GatewayError of `code` (and message, if given). */
export async function rejectsWith(
  promise: Promise<unknown>,
  code: ErrorCode,
  message?: string | RegExp,
): Promise<GatewayError> {
  let caught: unknown;
  await assert.rejects(promise, (error: unknown) => {
    caught = error;
    return true;
  });
  assert.ok(caught instanceof GatewayError, `expected a GatewayError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  if (typeof message === "string") assert.equal(caught.message, message);
  if (message instanceof RegExp) assert.match(caught.message, message);
  return caught;
}

/** The text of a result's only content block. */
export function onlyText(result: ToolResult): string {
  assert.equal(result.content.length, 1);
  const block = result.content[0];
  assert.ok(block?.type === "text", "expected one text block");
  return block.text;
}
