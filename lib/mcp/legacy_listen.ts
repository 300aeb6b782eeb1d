/**
 * Change notifications for 2025-era clients: the standalone `GET /mcp` SSE stream.
 *
 * Why not the SDK's sessionful transport: every 2025-era POST is served statelessly (any
 * instance can answer it), and the only thing a stream must carry is "the tool list changed",
 * which is the same for every client. So a stream needs no session state, only a place in this
 * hub; several gateway instances behind a load balancer each notify their own streams.
 */

import type { Logger } from "../log.ts";

/** Notification streams for 2025-era clients. */
export interface LegacyListenHub {
  /** Opens one SSE stream for a `GET /mcp`; answers 503 when the stream limit is reached. */
  open(request: Request): Response;
  /** Sends `notifications/tools/list_changed` to every open stream. */
  toolsChanged(): void;
  /** Closes every stream and stops the keep-alive timer. */
  close(): void;
}

const encoder = new TextEncoder();

/** Creates the hub; `keepAliveMs` 0 disables keep-alive comments. */
export function createLegacyListenHub(
  options: { maxStreams: number; keepAliveMs: number; logger: Logger },
): LegacyListenHub {
  const streams = new Set<ReadableStreamDefaultController<Uint8Array>>();
  let timer: ReturnType<typeof setInterval> | undefined;

  function broadcast(frame: string): void {
    const bytes = encoder.encode(frame);
    for (const controller of streams) {
      try {
        controller.enqueue(bytes);
      } catch {
        streams.delete(controller);
      }
    }
  }

  function ensureTimer(): void {
    if (timer !== undefined || options.keepAliveMs <= 0) return;
    const interval = setInterval(() => broadcast(": keep-alive\n\n"), options.keepAliveMs);
    Deno.unrefTimer(Number(interval));
    timer = interval;
  }

  function open(request: Request): Response {
    if (streams.size >= options.maxStreams) {
      options.logger.warn("Refused notification stream: limit reached", {
        limit: options.maxStreams,
      });
      return new Response("Too many notification streams", { status: 503 });
    }
    let own: ReadableStreamDefaultController<Uint8Array> | undefined;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        own = controller;
        streams.add(controller);
        controller.enqueue(encoder.encode(": nexus notification stream\n\n"));
      },
      cancel() {
        if (own) streams.delete(own);
      },
    });
    request.signal.addEventListener("abort", () => {
      if (!own) return;
      streams.delete(own);
      closeQuietly(own);
    }, { once: true });
    ensureTimer();
    return new Response(body, {
      headers: {
        "content-type": "text/event-stream",
        "cache-control": "no-cache, no-transform",
        "x-accel-buffering": "no",
      },
    });
  }

  return {
    open,
    toolsChanged() {
      const message = { jsonrpc: "2.0", method: "notifications/tools/list_changed" };
      broadcast(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
    },
    close() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      for (const controller of streams) closeQuietly(controller);
      streams.clear();
    },
  };
}

function closeQuietly(controller: ReadableStreamDefaultController<Uint8Array>): void {
  try {
    controller.close();
  } catch {
    // Why: the client may already have gone; closing twice is not an error worth reporting.
  }
}
