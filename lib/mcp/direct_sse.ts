/**
 * How the direct path writes an answer in the SDK's framing of each era: 2026-07-28 JSON, or the
 * 2025 SSE stream (one event, or a stream kept open with keep-alives while the call runs).
 */

import { WatchedAbort } from "../abort_watch.ts";
import { armSharedTimeout, type SharedTimeout } from "../shared_timeout.ts";
import { endsKnown, type Release, runRelease } from "../stream_end.ts";
import type { Era } from "./direct_wire.ts";

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
