/**
 * The hot path: a plain `tools/call` (and `tools/list`, `direct_list.ts`; `server/discover` and
 * `initialize`, `direct_handshake.ts`) answered without the
 * SDK's per-request server, transport and message parsing, byte for byte as the SDK answers it.
 * Which calls qualify is decided before the tool runs (`directCallOf`); which answers are written
 * here is decided after (`encodePlain`, `direct_encode.ts`): any other outcome (an error, a
 * result with content other than text) is handed back to the SDK with the call already settled,
 * so the tool runs once and the SDK writes the answer. A federated tool's calls are served here
 * too: a stateless 2025 one with what its upstream relays during the call on the answer's stream
 * (`serveFederated`), and a 2026-07-28 one that names no log level (nothing to relay;
 * `quietModernDownstream`).
 */

import type { Caller } from "../auth/mod.ts";
import { currentRequestContext } from "../log.ts";
import type { DownstreamCall, ToolResult } from "../registry/types.ts";
import { type CallOptions, type FinishingCall, settleTool } from "./call_pipeline.ts";
import { quietModernDownstream, statelessLegacyDownstream } from "./downstream.ts";
import { encodePlain } from "./direct_encode.ts";
import { type HandshakeDeps, handshakeDirect } from "./direct_handshake.ts";
import { listDirect } from "./direct_list.ts";
import { answer, openSse, sseEvent, type SseWriter } from "./direct_sse.ts";
import { type Era, isPlain, plainRequestEra } from "./direct_wire.ts";
import type { ServerDeps, SettledCall } from "./server_factory.ts";
import type { StatelessCancels } from "./stateless_cancel.ts";
import { relayTaskResult } from "./task_handlers.ts";

/** A `tools/call` the direct path may serve. */
interface DirectCall {
  era: Era;
  id: string | number;
  name: string;
  /** The call's arguments as sent. Why this name: the call is the pipeline's request as it is. */
  arguments: unknown;
  /** The request's `params._meta` as sent (a 2026-07-28 envelope); undefined for 2025. */
  meta: unknown;
}

/** What the direct path reads: the registry, the pipeline's hooks, the list settings. */
export interface DirectDispatchDeps
  extends
    Pick<ServerDeps, "snapshot" | "hooks" | "logger" | "pageSize" | "listTtlMs">,
    HandshakeDeps {
  /** The SDK transports' SSE keep-alive interval (0: none), for 2025 answers. */
  keepAliveMs: number;
  /** Where stateless 2025 calls of federated tools are held, so a cancellation finds them. */
  cancels: StatelessCancels;
}

/**
 * Serves `served.request` through the SDK, whose `tools/call` handler answers `settled` as is.
 * Why the request passed and not captured: one replay function serves every call, so no closure
 * is kept per call in flight (heap per call).
 */
export type Replay = (
  settled: SettledCall,
  served: { request: Request; caller: Caller; parsedBody: unknown },
) => Promise<Response>;

/** Serves a plain request; undefined: the request is the SDK's (nothing was read or run). */
export type DirectDispatch = (
  request: Request,
  call: { parsedBody: unknown; caller: Caller; replay: Replay },
) => Promise<Response> | undefined;

/** Creates the direct path; raises nothing (every failure is answered as the SDK would). */
export function createDirectDispatch(deps: DirectDispatchDeps): DirectDispatch {
  return (request, { parsedBody, caller, replay }) => {
    const listed = listDirect(request, parsedBody, { caller, deps });
    if (listed !== undefined) return Promise.resolve(listed);
    const handshake = handshakeDirect(request, parsedBody, deps);
    if (handshake !== undefined) return Promise.resolve(handshake);
    const call = directCallOf(request, parsedBody);
    if (call === undefined) return undefined;
    if (deps.snapshot().byName.get(call.name)?.backend.kind !== "mcp") {
      return serveDirect(request, call, { caller, replay, deps });
    }
    if (call.era === "legacy") {
      return serveFederated(request, call, { caller, replay, deps });
    }
    // Why only without a log level: relayed logs would turn the SDK's JSON answer into a stream.
    const meta = call.meta as Record<string, unknown>;
    const downstream = quietModernDownstream(caller.principal.id, meta);
    if (downstream === undefined) return undefined;
    return serveDirect(request, call, { caller, replay, deps, downstream });
  };
}

function serveDirect(
  request: Request,
  call: DirectCall,
  { caller, replay, deps, downstream }: {
    caller: Caller;
    replay: Replay;
    deps: DirectDispatchDeps;
    /** The calling client as a federated tool relays to it (`quietModernDownstream`). */
    downstream?: DownstreamCall;
  },
): Promise<Response> {
  if (call.era === "modern") {
    const served: ServedCall = { ...call, request, caller, replay, sse: undefined };
    // Why the answer is written in settle's own handler: one promise layer fewer per call.
    return settle(served, { deps, signal: request.signal, downstream }, answerModern);
  }
  // Why a stream opened at once: the SDK's 2025 transport sends its headers before the call runs
  // and keep-alive comments while it does; a replayed answer is one SSE event of the same kind.
  // Why written in settle's own handler: no producer promise or frame per call in flight.
  const { response, sse } = openSse(deps.keepAliveMs);
  const served: ServedCall = { ...call, request, caller, replay, sse };
  // Why the stream's signal and not `request.signal`: both fire when the client goes away (the
  // stream's about 2 ms later), and on Deno 2.9 reading `request.signal` makes the request's signal
  // and its cancel watch, about 1.4 KB kept per call in flight.
  settle(served, { deps, signal: sse.signal }, answerLegacy);
  return Promise.resolve(response);
}

/**
 * A call the direct path serves, with what its answer is written with. Why one record and shared
 * answer functions: the answer's handler then needs no closure per call in flight (heap per call).
 */
interface ServedCall extends DirectCall {
  readonly request: Request;
  readonly caller: Caller;
  readonly replay: Replay;
  /** The 2025 answer's open stream; undefined for a 2026-07-28 call (answered as JSON). */
  readonly sse: SseWriter | undefined;
}

/** A 2026-07-28 call's answer: its plain result as JSON, else the SDK's answer (replayed). */
function answerModern(settled: SettledCall, served: ServedCall): Response | Promise<Response> {
  const text = "result" in settled ? encodePlain(settled.result, served) : undefined;
  return text === undefined ? replayed(settled, served) : answer("modern", text);
}

/** A 2025 call's answer on its open stream: the plain result as one event, else the SDK's. */
function answerLegacy(settled: SettledCall, served: ServedCall): void {
  const sse = served.sse!;
  try {
    const text = "result" in settled ? encodePlain(settled.result, served) : undefined;
    if (text !== undefined) return sse.end(sseEvent(text));
    writeReplayed(replayed(settled, served), sse).then(
      () => sse.end(),
      (error) => sse.fail(error),
    );
  } catch (error) {
    sse.fail(error);
  }
}

function replayed(settled: SettledCall, served: ServedCall): Promise<Response> {
  const { request, caller } = served;
  return served.replay(settled, { request, caller, parsedBody: bodyOf(served) });
}

/**
 * The request's body as parsed, made again from the call. Why not the parsed body kept: it is
 * needed only for a replay (a rare answer), and its envelope and `params` were kept for the whole
 * call (heap per call in flight); `directCallOf` let through only bodies with these keys.
 */
function bodyOf(call: DirectCall): Record<string, unknown> {
  const params: Record<string, unknown> = { name: call.name };
  if (call.arguments !== undefined) params.arguments = call.arguments;
  if (call.meta !== undefined) params._meta = call.meta;
  return { jsonrpc: "2.0", id: call.id, method: "tools/call", params };
}

/**
 * A stateless 2025 call of a federated tool: as `serveDirect`'s, with the upstream's relayed
 * messages (`lib/upstreams/relay.ts`: log messages; no progress without a token, no input requests
 * without a session) written on the answer's stream before the answer, as the SDK's per-request
 * server writes them. A `notifications/cancelled` naming the call (`stateless_cancel.ts`) or the
 * client going away aborts the call and ends the stream without an answer, as the SDK's teardown
 * of the request does.
 */
function serveFederated(
  request: Request,
  call: DirectCall,
  { caller, replay, deps }: {
    caller: Caller;
    replay: Replay;
    deps: DirectDispatchDeps;
  },
): Promise<Response> {
  const principalId = caller.principal.id;
  // Why a controller of its own: the call is aborted by a cancellation (a POST of its own) too.
  const controller = new AbortController();
  const { response, sse } = openSse(deps.keepAliveMs);
  let ended = false;
  const end = (failure?: { error: unknown }) => {
    if (ended) return;
    ended = true;
    release();
    request.signal.removeEventListener("abort", stop);
    if (failure === undefined) sse.end();
    else sse.fail(failure.error);
  };
  const stop = () => {
    controller.abort(request.signal.reason);
    end();
  };
  const release = deps.cancels.hold({ principalId, id: call.id }, stop);
  request.signal.addEventListener("abort", stop, { once: true });
  // Why `sse.write` unguarded: once the call ended or was stopped the stream has ended too, and
  // drops what comes after.
  const downstream = statelessLegacyDownstream(
    principalId,
    (message) => void sse.write(sseEvent(JSON.stringify(message))),
  );
  const served: ServedCall = { ...call, request, caller, replay, sse };
  settle(served, { deps, signal: controller.signal, downstream }, (settled) => {
    if (ended) return;
    const text = "result" in settled ? encodePlain(settled.result, call) : undefined;
    if (text !== undefined) return void sse.write(sseEvent(text));
    return writeReplayed(replayed(settled, served), sse);
  }).then(() => end(), (error) => end({ error }));
  if (request.signal.aborted) stop();
  return Promise.resolve(response);
}

/** The replayed answer's SSE bytes, written through as they come (a rare path: no plain result). */
async function writeReplayed(replayed: Promise<Response>, sse: SseWriter): Promise<void> {
  const response = await replayed;
  if (response.body === null) return;
  // Why stop when the client went away: leaving the loop cancels the SDK's answer, and its call.
  for await (const chunk of response.body) if (!sse.write(chunk)) break;
}

/**
 * Runs the call as the SDK path's handler does and hands how it ended to `then` (whose result
 * it resolves); never rejects unless `then` does. Why a promise chain and not an async function:
 * its frame would stay live for the whole call.
 */
function settle<T>(
  call: ServedCall,
  { deps, signal, downstream }: {
    deps: DirectDispatchDeps;
    signal: AbortSignal;
    downstream?: DownstreamCall | undefined;
  },
  then: (settled: SettledCall, call: ServedCall) => T | Promise<T>,
): Promise<T> {
  const snapshot = deps.snapshot();
  // Why `settleTool` and not `callTool(…).then(…)`: `then` runs in the handler that ends the
  // call, one promise layer fewer per call in flight.
  return settleTool(snapshot, call, {
    caller: call.caller,
    signal,
    logger: deps.logger,
    requestId: currentRequestContext()?.requestId ?? crypto.randomUUID(),
    hooks: deps.hooks,
    ...(downstream === undefined ? {} : { downstream }),
    // Why inside the call, as the SDK path's handler does: the audit row records the result the
    // client gets (a task handle the client did not ask for is an error result).
    finishResult: FINISH[call.era],
  }, then);
}

/** Each era's `finishResult`: shared, so no closure is kept per call in flight. */
const FINISH: Record<Era, NonNullable<CallOptions["finishResult"]>> = {
  modern: (result, call) => finishDirect(result, call, "modern"),
  legacy: (result, call) => finishDirect(result, call, "legacy"),
};

function finishDirect(result: ToolResult, call: FinishingCall, era: Era): ToolResult {
  return relayTaskResult(result, {
    snapshot: call.snapshot,
    toolName: call.toolName,
    principal: call.caller.principal.id,
    accepted: false,
    era,
  });
}

const CALL_PARAM_KEYS = new Set(["name", "arguments", "_meta"]);
/** Tool names the SDK compares with `Mcp-Name` as they are (no sentinel, no spaces to strip). */
const PLAIN_NAME = /^[A-Za-z0-9_.\-/]{1,128}$/;

/**
 * The call when `body` is a single `tools/call` the SDK would hand to its handler unchanged:
 * well-formed, one era's headers in order, no session, no progress token, no task or input
 * responses, no batch. Undefined for anything else (the SDK answers it, errors included).
 */
export function directCallOf(request: Request, body: unknown): DirectCall | undefined {
  const params = isPlain(body) && isPlain(body.params) ? body.params : undefined;
  const name = params?.name;
  if (typeof name !== "string" || !PLAIN_NAME.test(name)) return undefined;
  const args = params!.arguments;
  if (args !== undefined && !isPlain(args)) return undefined;
  const era = plainRequestEra(request, body, {
    method: "tools/call",
    paramKeys: CALL_PARAM_KEYS,
    name,
  });
  if (era === undefined) return undefined;
  return {
    era,
    id: (body as { id: string | number }).id,
    name,
    arguments: args,
    meta: params!._meta,
  };
}
