/** Tools, callers and a call helper shared by the limit and cache stage tests. */

import { anonymousPrincipal, type Caller, type Principal } from "../../lib/auth/mod.ts";
import { GatewayError } from "../../lib/errors.ts";
import { silentLogger } from "../../lib/log.ts";
import {
  type CallRecord,
  type CallStage,
  NO_HOOKS,
  type PipelineHooks,
} from "../../lib/mcp/mod.ts";
import { callTool } from "../../lib/mcp/call_pipeline.ts";
import type { RegistrySnapshot, ToolDefinition, ToolResult } from "../../lib/registry/mod.ts";

/** A caller with principal id `id` (`key:alice`) or an anonymous one at `address`. */
export function callerOf(id: string): Caller {
  const principal: Principal = id.startsWith("anon:")
    ? anonymousPrincipal(id.slice(5))
    : { id, kind: "api_key", name: id, groups: [] };
  return { principal, server: "default" };
}

/** An HTTP GET tool on `url` with the given extras (cache, rateLimit, auth, annotations…). */
export function httpTool(
  name: string,
  url: string,
  extras: Partial<ToolDefinition> = {},
  timeoutMs = 5000,
): ToolDefinition {
  return {
    name,
    description: "tool under test",
    inputSchema: { type: "object" },
    backend: {
      kind: "http",
      method: "GET",
      url,
      query: {},
      headers: {},
      timeoutMs,
      response: { maxBytes: 100_000 },
    },
    source: { file: "test", line: 1 },
    checkInput: () => [],
    ...extras,
  };
}

/** A TypeScript tool running `handler`, with extras. */
export function tsTool(
  name: string,
  handler: () => unknown,
  extras: Partial<ToolDefinition> = {},
): ToolDefinition {
  return {
    name,
    description: "tool under test",
    inputSchema: { type: "object" },
    backend: { kind: "ts", handler, timeoutMs: 2000 },
    source: { file: "test", line: 1 },
    checkInput: () => [],
    ...extras,
  };
}

/** Calls `name` through `stages` as `caller`; returns the result or the protocol error. */
export async function call(
  snapshot: RegistrySnapshot,
  stages: readonly CallStage[],
  options: {
    name: string;
    caller?: Caller;
    args?: Record<string, unknown>;
    records?: CallRecord[];
    /** The admission hook (the client's and the gateway's budgets); default: admit all. */
    admit?: PipelineHooks["admit"];
    canUse?: PipelineHooks["canUse"];
  },
): Promise<ToolResult | GatewayError> {
  try {
    return await callTool(snapshot, { name: options.name, arguments: options.args ?? {} }, {
      caller: options.caller ?? callerOf("anon:127.0.0.1"),
      signal: new AbortController().signal,
      logger: silentLogger,
      requestId: crypto.randomUUID(),
      hooks: {
        ...NO_HOOKS,
        admit: options.admit ?? NO_HOOKS.admit,
        canUse: options.canUse ?? NO_HOOKS.canUse,
        stages,
        onFinished: (record) => options.records?.push(record),
      },
    });
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
}

/** The text of a result's first content block. */
export function textOf(outcome: ToolResult | GatewayError): string {
  if (outcome instanceof GatewayError) return `error ${outcome.code}: ${outcome.message}`;
  const block = outcome.content[0];
  return block?.type === "text" ? block.text : "";
}
