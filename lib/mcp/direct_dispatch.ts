/**
 * The hot path: a plain `tools/call` answered without the SDK's per-request server, transport and
 * message parsing, byte for byte as the SDK answers it. Which requests qualify is decided before
 * the tool runs (`directCallOf`); which answers are written here is decided after (`encodePlain`):
 * any other outcome (an error, a result with content other than text) is handed back to the SDK
 * with the call already settled, so the tool runs once and the SDK writes the answer.
 */

import {
  classifyInboundRequest,
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  isJsonContentType,
  LOG_LEVEL_META_KEY,
  PROTOCOL_VERSION_META_KEY,
  SERVER_INFO_META_KEY,
  SUPPORTED_PROTOCOL_VERSIONS,
} from "@modelcontextprotocol/server";
import type { Caller } from "../auth/mod.ts";
import { currentRequestContext } from "../log.ts";
import type { ToolResult } from "../registry/types.ts";
import { SERVER_NAME, VERSION } from "../version.ts";
import { callTool } from "./call_pipeline.ts";
import type { ServerDeps, SettledCall } from "./server_factory.ts";
import { relayTaskResult } from "./task_handlers.ts";

/** The one modern revision the SDK serves (its `SUPPORTED_MODERN_PROTOCOL_VERSIONS`). */
const MODERN_REVISION = "2026-07-28";

/** A `tools/call` the direct path may serve. */
interface DirectCall {
  era: "modern" | "legacy";
  id: string | number;
  name: string;
  args: unknown;
}

/** What the direct path needs besides the server dependencies. */
export interface DirectDispatchDeps extends Pick<ServerDeps, "snapshot" | "hooks" | "logger"> {
}

/** Serves `request` through the SDK, whose `tools/call` handler answers `settled` as is. */
export type Replay = (settled: SettledCall) => Promise<Response>;

/** Serves a plain `tools/call`; undefined: the request is the SDK's (nothing was read or run). */
export type DirectDispatch = (
  request: Request,
  call: { parsedBody: unknown; caller: Caller; replay: Replay },
) => Promise<Response> | undefined;

/** Creates the direct path; raises nothing (every failure is answered as the SDK would). */
export function createDirectDispatch(deps: DirectDispatchDeps): DirectDispatch {
  return (request, { parsedBody, caller, replay }) => {
    const call = directCallOf(request, parsedBody);
    if (call === undefined) return undefined;
    const tool = deps.snapshot().byName.get(call.name);
    // Why: a federated tool relays progress, logs and input requests over the SDK's stream.
    if (tool !== undefined && tool.backend.kind === "mcp") return undefined;
    return serveDirect(request, call, { caller, replay, deps });
  };
}

async function serveDirect(
  request: Request,
  call: DirectCall,
  { caller, replay, deps }: { caller: Caller; replay: Replay; deps: DirectDispatchDeps },
): Promise<Response> {
  const snapshot = deps.snapshot();
  let settled: SettledCall;
  try {
    const result = await callTool(snapshot, { name: call.name, arguments: call.args }, {
      caller,
      signal: request.signal,
      logger: deps.logger,
      requestId: currentRequestContext()?.requestId ?? crypto.randomUUID(),
      hooks: deps.hooks,
    });
    settled = {
      result: relayTaskResult(result, {
        snapshot,
        toolName: call.name,
        principal: caller.principal.id,
        accepted: false,
      }),
    };
  } catch (error) {
    settled = { error };
  }
  const text = "result" in settled ? encodePlain(settled.result, call) : undefined;
  if (text === undefined) return await replay(settled);
  if (call.era === "modern") return new Response(text, { status: 200, headers: JSON_HEADERS });
  // Why a stream of one event: the SDK streams its 2025 answer (chunked, no Content-Length).
  const event = ENCODER.encode(`event: message\ndata: ${text}\n\n`);
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(event);
      controller.close();
    },
  });
  return new Response(body, { status: 200, headers: SSE_HEADERS });
}

const ENCODER = new TextEncoder();

const JSON_HEADERS = { "content-type": "application/json" };
const SSE_HEADERS = {
  "content-type": "text/event-stream",
  "cache-control": "no-cache, no-transform",
  "connection": "keep-alive",
  "x-accel-buffering": "no",
};

const SERVER_INFO_META = { [SERVER_INFO_META_KEY]: { name: SERVER_NAME, version: VERSION } };

/** Keys a modern request's `_meta` may hold on the direct path (the envelope and a log level). */
const MODERN_META_KEYS = new Set<string>([
  PROTOCOL_VERSION_META_KEY,
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  LOG_LEVEL_META_KEY,
]);
const TOP_KEYS = new Set(["jsonrpc", "id", "method", "params"]);
const PARAM_KEYS = new Set(["name", "arguments", "_meta"]);
/** Tool names the SDK compares with `Mcp-Name` as they are (no sentinel, no spaces to strip). */
const PLAIN_NAME = /^[A-Za-z0-9_.\-/]{1,128}$/;

/**
 * The call when `body` is a single `tools/call` the SDK would hand to its handler unchanged:
 * well-formed, one era's headers in order, no session, no progress token, no task or input
 * responses, no batch. Undefined for anything else (the SDK answers it, errors included).
 */
export function directCallOf(request: Request, body: unknown): DirectCall | undefined {
  if (!isPlain(body) || body.method !== "tools/call" || body.jsonrpc !== "2.0") return undefined;
  if (!hasOnlyKeys(body, TOP_KEYS) || !isRequestId(body.id)) return undefined;
  const params = body.params;
  if (!isPlain(params) || !hasOnlyKeys(params, PARAM_KEYS)) return undefined;
  const { name, arguments: args, _meta: meta } = params;
  if (typeof name !== "string" || !PLAIN_NAME.test(name)) return undefined;
  if (args !== undefined && !isPlain(args)) return undefined;
  const headers = request.headers;
  if (headers.has("mcp-session-id") || !isJsonContentType(headers.get("content-type"))) {
    return undefined;
  }
  if (meta === undefined) {
    return legacyReady(headers) ? { era: "legacy", id: body.id, name, args } : undefined;
  }
  if (!isPlain(meta) || !modernReady(headers, name, meta)) return undefined;
  if (!modernEnvelope(request, body, meta)) return undefined;
  return { era: "modern", id: body.id, name, args };
}

/**
 * Envelopes the SDK's classifier took as 2026-07-28 requests, by their JSON text. Why a memo: the
 * classifier validates the envelope with its schemas (about a tenth of a call's CPU), and a
 * client sends the same envelope with every call; with the headers and body shape checked here,
 * the envelope is all its decision depends on. Bounded: cleared when full.
 */
const modernEnvelopes = new Map<string, boolean>();
const MAX_ENVELOPES = 256;

function modernEnvelope(
  request: Request,
  body: Record<string, unknown>,
  meta: Record<string, unknown>,
): boolean {
  const key = envelopeKey(meta);
  let modern = modernEnvelopes.get(key);
  if (modern === undefined) {
    modern = classifiedModern(request, body);
    if (modernEnvelopes.size >= MAX_ENVELOPES) modernEnvelopes.clear();
    modernEnvelopes.set(key, modern);
  }
  return modern;
}

/**
 * The memo's key: for the envelope SDK clients send (a version, a client name and version, no
 * capabilities, maybe a log level) its fields, length-prefixed so no two envelopes share a key;
 * for any other, its JSON text.
 */
function envelopeKey(meta: Record<string, unknown>): string {
  const version = meta[PROTOCOL_VERSION_META_KEY];
  const info = meta[CLIENT_INFO_META_KEY];
  const level = meta[LOG_LEVEL_META_KEY] ?? "";
  const capabilities = meta[CLIENT_CAPABILITIES_META_KEY];
  if (
    typeof version === "string" && typeof level === "string" && isPlain(info) &&
    typeof info.name === "string" && typeof info.version === "string" &&
    Object.keys(info).length === 2 && isPlain(capabilities) &&
    Object.keys(capabilities).length === 0
  ) {
    return `\u0000${version.length}:${version}${info.name.length}:${info.name}` +
      `${info.version.length}:${info.version}${level.length}:${level}`;
  }
  return JSON.stringify(meta);
}

function classifiedModern(request: Request, body: Record<string, unknown>): boolean {
  const headers = request.headers;
  const outcome = classifyInboundRequest({
    httpMethod: request.method.toUpperCase(),
    protocolVersionHeader: headers.get("mcp-protocol-version") ?? undefined,
    mcpMethodHeader: headers.get("mcp-method") ?? undefined,
    mcpNameHeader: headers.get("mcp-name") ?? undefined,
    body,
  });
  return outcome.kind === "modern" && outcome.messageKind === "request" &&
    outcome.classification.revision === MODERN_REVISION;
}

/** The standard headers as the SDK requires them, and an envelope with nothing to relay. */
function modernReady(headers: Headers, name: string, meta: Record<string, unknown>): boolean {
  if (headers.get("mcp-protocol-version") !== MODERN_REVISION) return false;
  if (headers.get("mcp-method") !== "tools/call" || headers.get("mcp-name") !== name) return false;
  if (!hasOnlyKeys(meta, MODERN_META_KEYS)) return false;
  const capabilities = meta[CLIENT_CAPABILITIES_META_KEY];
  // Why: a client declaring extensions (tasks) may get a task, which the SDK path relays.
  return isPlain(capabilities) && capabilities.extensions === undefined;
}

/**
 * What the SDK's stateless 2025 transport checks before it dispatches. Why no classifier: a
 * request without `_meta` and without a 2026-07-28 version header is 2025's (`no-claim`).
 */
function legacyReady(headers: Headers): boolean {
  const accept = headers.get("accept");
  if (!accept?.includes("application/json") || !accept.includes("text/event-stream")) return false;
  const version = headers.get("mcp-protocol-version");
  return version === null || SUPPORTED_PROTOCOL_VERSIONS.includes(version);
}

/**
 * The JSON-RPC answer to `call` as the SDK writes it, when `result` holds only text content,
 * `structuredContent` and `isError`: the SDK's result schema puts those keys in this order, and
 * the 2026-07-28 codec adds `resultType` and the server's identity. Undefined for anything else.
 */
export function encodePlain(result: ToolResult, call: DirectCall): string | undefined {
  const { content, structuredContent, isError } = result;
  for (const key in result) {
    if (key !== "content" && key !== "structuredContent" && key !== "isError") return undefined;
  }
  if (!Array.isArray(content) || !content.every(isPlainText)) return undefined;
  if (structuredContent !== undefined && !isPlain(structuredContent)) return undefined;
  if (isError !== undefined && typeof isError !== "boolean") return undefined;
  const encoded: Record<string, unknown> = {
    content: content.map((item) => ({ type: "text", text: item.text })),
  };
  if (structuredContent !== undefined) encoded.structuredContent = structuredContent;
  if (isError !== undefined) encoded.isError = isError;
  if (call.era === "modern") {
    encoded.resultType = "complete";
    encoded._meta = SERVER_INFO_META;
  }
  return JSON.stringify({ result: encoded, jsonrpc: "2.0", id: call.id });
}

function isPlainText(item: unknown): item is { type: "text"; text: string } {
  if (!isPlain(item) || item.type !== "text" || typeof item.text !== "string") return false;
  for (const key in item) if (key !== "type" && key !== "text") return false;
  return true;
}

function isPlain(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function hasOnlyKeys(value: Record<string, unknown>, allowed: ReadonlySet<string>): boolean {
  for (const key in value) if (!allowed.has(key)) return false;
  return true;
}

function isRequestId(id: unknown): id is string | number {
  return typeof id === "string" || Number.isSafeInteger(id);
}
