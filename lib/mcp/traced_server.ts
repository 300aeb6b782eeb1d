/**
 * One OpenTelemetry span per MCP request served (README "Observability"): the SDK `Server` with
 * its handler hook wrapped, used only when tracing is on (the plain `Server` otherwise).
 *
 * Why a subclass: `_wrapHandler` is the SDK's documented seam for wrapping every registered
 * request handler, its own (`initialize`, `ping`) included; nothing else sees each request with
 * its id, its params' `_meta` and its outcome.
 */

import {
  type JSONRPCRequest,
  type Result,
  Server,
  type ServerContext,
} from "@modelcontextprotocol/server";
import type { TraceSpan, Tracing } from "../telemetry/mod.ts";

type Handler = (request: JSONRPCRequest, ctx: ServerContext) => Promise<Result>;

/** JSON-RPC internal error: what the SDK answers for a handler failure without a code. */
const INTERNAL_ERROR = -32603;

/** Builds `Server`s whose request handlers each run inside a request span. */
export function tracedServerClass(tracing: Tracing, era: "legacy" | "modern"): typeof Server {
  return class TracedServer extends Server {
    protected override _wrapHandler(method: string, handler: Handler): Handler {
      const inner = super._wrapHandler(method, handler);
      return (request, ctx) => traceRequest(tracing, { method, era, request, ctx }, inner);
    }
  };
}

async function traceRequest(
  tracing: Tracing,
  call: { method: string; era: string; request: JSONRPCRequest; ctx: ServerContext },
  handler: Handler,
): Promise<Result> {
  const span = startRequestSpan(tracing, call);
  if (span === undefined) return await handler(call.request, call.ctx);
  try {
    const result = await span.within(() => handler(call.request, call.ctx));
    // Why `tool_error`: the semantic conventions' type for a `tools/call` answered isError.
    if ((result as { isError?: unknown }).isError === true) span.fail("tool_error");
    return result;
  } catch (error) {
    const code = (error as { code?: unknown })?.code;
    const jsonRpc = typeof code === "number" && Number.isSafeInteger(code) ? code : INTERNAL_ERROR;
    span.set({ "rpc.response.status_code": String(jsonRpc) });
    span.fail(String(jsonRpc));
    throw error;
  } finally {
    span.end();
  }
}

function startRequestSpan(
  tracing: Tracing,
  call: { method: string; era: string; request: JSONRPCRequest; ctx: ServerContext },
): TraceSpan | undefined {
  const params = call.request.params as Record<string, unknown> | undefined;
  const tool = call.method === "tools/call" && typeof params?.name === "string"
    ? params.name
    : undefined;
  const meta = params?._meta as Record<string, unknown> | undefined;
  // Why `_meta` first: the MCP semantic conventions carry the client's context there (SEP-414);
  // the HTTP header is the fallback, and Deno's HTTP server span becomes a link.
  const remoteParent = typeof meta?.traceparent === "string"
    ? meta.traceparent
    : call.ctx.http?.req?.headers.get("traceparent") ?? undefined;
  return tracing.start(tool === undefined ? call.method : `${call.method} ${tool}`, {
    kind: "server",
    root: true,
    ...(remoteParent === undefined ? {} : { remoteParent }),
    attributes: {
      "mcp.method.name": call.method,
      "nexus.mcp.era": call.era,
      "jsonrpc.request.id": String(call.request.id),
      ...(tool === undefined ? {} : {
        "gen_ai.tool.name": tool,
        "gen_ai.operation.name": "execute_tool",
      }),
    },
  });
}
