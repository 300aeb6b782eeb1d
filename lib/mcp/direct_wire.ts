/**
 * What the direct path (`direct_dispatch.ts`, `direct_list.ts`) checks of a request before it
 * answers one itself, and how it writes the answer: the checks the SDK's entry and transports
 * make, reduced to the requests they all let through, and the SDK's framing of each era.
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
import { WatchedAbort } from "../abort_watch.ts";
import { BoundedMap } from "../bounded_map.ts";
import { armSharedTimeout, type SharedTimeout } from "../shared_timeout.ts";
import { endsKnown, type Release, runRelease } from "../stream_end.ts";
import { SERVER_NAME, VERSION } from "../version.ts";

/** The one modern revision the SDK serves (its `SUPPORTED_MODERN_PROTOCOL_VERSIONS`). */
export const MODERN_REVISION = "2026-07-28";

/** Which framing an answer takes: the SDK's 2026-07-28 JSON or its 2025 SSE stream. */
export type Era = "modern" | "legacy";

/** The `_meta` the 2026-07-28 codec stamps on every result: the server's identity. */
export const SERVER_INFO_META = {
  [SERVER_INFO_META_KEY]: { name: SERVER_NAME, version: VERSION },
};

const ENCODER = new TextEncoder();
const JSON_HEADERS = { "content-type": "application/json" };
const SSE_HEADERS = {
  "content-type": "text/event-stream",
  "cache-control": "no-cache, no-transform",
  "connection": "keep-alive",
  "x-accel-buffering": "no",
};

/** `text` (a JSON-RPC response) as the SDK sends it in `era`. */
export function answer(era: Era, text: string): Response {
  if (era === "modern") return new Response(text, { status: 200, headers: JSON_HEADERS });
  // Why a stream of one event: the SDK streams its 2025 answer (chunked, no Content-Length).
  const { response, sse } = openSse(0);
  sse.end(sseEvent(text));
  return response;
}

/** `text` (a JSON-RPC message) as one SSE event of the SDK's 2025 transport. */
export function sseEvent(text: string): Uint8Array {
  return ENCODER.encode(`event: message\ndata: ${text}\n\n`);
}

const KEEP_ALIVE = ENCODER.encode(": keepalive\n\n");
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** Writes a 2025 SSE answer opened by {@linkcode openSse}. */
export interface SseWriter {
  /**
   * Aborted when the client goes away (Deno cancels the answer's stream), with the reason Deno's
   * `request.signal` gives; never once the answer ended.
   */
  readonly signal: AbortSignal;
  /** Writes `chunk`; false (dropped) once the stream has ended (cancelled by the client). */
  write(chunk: Uint8Array): boolean;
  /** Writes `last` (if given) and ends the stream. */
  end(last?: Uint8Array): void;
  /** Ends the stream with `error` (the client sees the body cut). */
  fail(error: unknown): void;
}

/**
 * Opens a 2025 SSE answer as the SDK's transport streams it: `response` sends its headers at
 * once, a `: keepalive` comment every `keepAliveMs` (0: none) until `sse` ends it. Its holder
 * (`releasedAtStreamEnd`, the admission slot) is released when it ends, fails or is cancelled.
 */
export function openSse(keepAliveMs: number): { response: Response; sse: SseWriter } {
  const sse = new SseStream(keepAliveMs);
  const body = new ReadableStream<Uint8Array>(sse);
  sse.keepAlive();
  // Why the writer does not keep the response: it lives as long as the call, the response is
  // Deno's once returned (heap per call in flight).
  return {
    response: endsKnown(new Response(body, { status: 200, headers: SSE_HEADERS }), sse),
    sse,
  };
}

/**
 * Why one object that is the stream's source, its writer, its end watch and its keep-alive
 * timeout's target, with methods on its prototype: per call in flight it holds no promise,
 * suspended frame or closure; being its own end watch (`endsKnown`), no second stream wraps it to
 * learn its end. Why the keep-alive on shared timeouts and not `setInterval`: on Deno 2.9 each
 * interval is a Node-style `Timeout` with its closures, held for the whole call; a stream re-arms
 * its one entry each time it fires, so comments still come every `keepAliveMs` after it opened.
 */
class SseStream implements SseWriter {
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  readonly #keepAliveMs: number;
  #keepAliveTimer: SharedTimeout | undefined;
  #done = false;
  /** Run when the stream ends; the holder's release (`releasedAtStreamEnd`). */
  #ends: Release | undefined;
  /** Made when `signal` is first read; its watcher (the call's deadline) needs no listener. */
  #cancelled: WatchedAbort | undefined;

  constructor(keepAliveMs: number) {
    this.#keepAliveMs = Number.isFinite(keepAliveMs) && keepAliveMs >= 1
      ? Math.min(keepAliveMs, MAX_TIMER_DELAY_MS)
      : 0;
  }

  /** The stream's `start`: keeps its controller. */
  start(controller: ReadableStreamDefaultController<Uint8Array>): void {
    this.#controller = controller;
  }

  /** The stream's `cancel`: the client went away. */
  cancel(): void {
    if (this.#done) return;
    this.#finish();
    this.#cancelled?.abort(new DOMException("The request has been cancelled.", "AbortError"));
  }

  get signal(): AbortSignal {
    this.#cancelled ??= new WatchedAbort();
    return this.#cancelled.signal;
  }

  /** The end watch (`endsKnown`): `end` runs when the stream ends, at once if it has. */
  onEnd(end: Release): void {
    if (this.#done) runRelease(end);
    else this.#ends = end;
  }

  /** Arms the next keep-alive comment (none without an interval or once ended). */
  keepAlive(): void {
    if (this.#keepAliveMs === 0 || this.#done) return;
    this.#keepAliveTimer = armSharedTimeout(this, this.#keepAliveMs);
  }

  /** The keep-alive interval elapsed (`armSharedTimeout`): a comment, and the next one armed. */
  onTimeout(): void {
    this.#keepAliveTimer = undefined;
    if (this.write(KEEP_ALIVE)) this.keepAlive();
  }

  write(chunk: Uint8Array): boolean {
    if (this.#done) return false;
    this.#controller.enqueue(chunk);
    return true;
  }

  end(last?: Uint8Array): void {
    if (this.#done) return;
    if (last !== undefined) this.#controller.enqueue(last);
    this.#finish();
    this.#controller.close();
  }

  fail(error: unknown): void {
    if (this.#done) return;
    this.#finish();
    this.#controller.error(error);
  }

  #finish(): void {
    this.#done = true;
    this.#keepAliveTimer?.cancel();
    this.#keepAliveTimer = undefined;
    const ends = this.#ends;
    this.#ends = undefined;
    if (ends !== undefined) runRelease(ends);
  }
}

const TOP_KEYS = new Set(["jsonrpc", "id", "method", "params"]);

/**
 * The era of `body` when it is one `method` request with `params` holding only `paramKeys`, no
 * session, and the era's headers as the SDK requires them (for 2026-07-28: the standard headers,
 * `Mcp-Name` equal to `name`, a valid envelope with nothing to relay). Undefined otherwise.
 */
export function plainRequestEra(
  request: Request,
  body: unknown,
  expected: { method: string; paramKeys: ReadonlySet<string>; name?: string },
): Era | undefined {
  if (!isPlain(body) || body.method !== expected.method || body.jsonrpc !== "2.0") return undefined;
  if (!hasOnlyKeys(body, TOP_KEYS) || !isRequestId(body.id)) return undefined;
  const params = body.params === undefined ? {} : body.params;
  if (!isPlain(params) || !hasOnlyKeys(params, expected.paramKeys)) return undefined;
  const headers = request.headers;
  // Why `get`, not `has`: on a served request Deno 2.9 reads one header lazily for `get`, while
  // `has` copies every header into JS first (about 3 µs a call).
  if (
    headers.get("mcp-session-id") !== null || !isJsonContentType(headers.get("content-type"))
  ) {
    return undefined;
  }
  const meta = params._meta;
  if (meta === undefined) return legacyReady(headers) ? "legacy" : undefined;
  if (!isPlain(meta) || !modernReady(headers, expected, meta)) return undefined;
  return modernEnvelope(request, body, meta) ? "modern" : undefined;
}

/** Keys a modern request's `_meta` may hold on the direct path (the envelope and a log level). */
const MODERN_META_KEYS = new Set<string>([
  PROTOCOL_VERSION_META_KEY,
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  LOG_LEVEL_META_KEY,
]);

/** The standard headers as the SDK requires them, and an envelope with nothing to relay. */
function modernReady(
  headers: Headers,
  expected: { method: string; name?: string },
  meta: Record<string, unknown>,
): boolean {
  if (headers.get("mcp-protocol-version") !== MODERN_REVISION) return false;
  if (headers.get("mcp-method") !== expected.method) return false;
  if (headers.get("mcp-name") !== (expected.name ?? null)) return false;
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
 * Envelopes the SDK's classifier took as 2026-07-28 requests, by key. Why a memo: the classifier
 * validates the envelope with its schemas (about a tenth of a call's CPU), and a client sends the
 * same envelope with every request; with the headers and body shape checked here, the envelope is
 * all its decision depends on.
 */
const modernEnvelopes = new BoundedMap<string, boolean>(256);

function modernEnvelope(
  request: Request,
  body: Record<string, unknown>,
  meta: Record<string, unknown>,
): boolean {
  const key = envelopeKey(meta);
  let modern = modernEnvelopes.get(key);
  if (modern === undefined) {
    modern = classifiedModern(request, body);
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

/** Whether `value` is a plain object (what `JSON.parse` makes of `{…}`). */
export function isPlain(value: unknown): value is Record<string, unknown> {
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
