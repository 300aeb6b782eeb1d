/**
 * Change notifications for 2025-era clients: the standalone `GET /mcp` SSE stream.
 *
 * Why not the SDK's sessionful transport: every 2025-era POST is served statelessly (any
 * instance can answer it), and list changes (tools, prompts, resources) are the same for every
 * client. So a stream needs no session state, only a place in this hub; several gateway
 * instances behind a load balancer each notify their own streams. The one per-client message, a
 * resource update after `resources/subscribe`, goes to the streams of the principal that
 * subscribed (there is no session to tell two clients of one principal apart), on whichever
 * instance the subscribe landed (`shared_subscriptions.ts`).
 */

import type { Logger } from "../log.ts";

/** Notification streams for 2025-era clients. */
export interface LegacyListenHub {
  /**
   * Opens one SSE stream for a `GET /mcp` of `principalId`; answers 503 when the stream limit
   * is reached.
   */
  open(request: Request, principalId?: string): Response;
  /** Sends `notifications/tools/list_changed` to every open stream. */
  toolsChanged(): void;
  /** Sends `notifications/prompts/list_changed` to every open stream. */
  promptsChanged(): void;
  /** Sends `notifications/resources/list_changed` to every open stream. */
  resourcesChanged(): void;
  /** Sends `notifications/resources/updated` for `uri` to the streams of `principalIds`. */
  resourceUpdated(uri: string, principalIds: readonly string[]): void;
  /** Sends a relayed `notifications/tasks/status` to the streams of `principalId`. */
  taskStatus(principalId: string, params: Record<string, unknown>): void;
  /** Closes every stream and stops the keep-alive timer. */
  close(): void;
}

const encoder = new TextEncoder();

/** Creates the hub; `keepAliveMs` 0 disables keep-alive comments. */
export function createLegacyListenHub(
  options: {
    maxStreams: number;
    keepAliveMs: number;
    logger: Logger;
    /** Called when the last open stream of a principal ended. */
    onPrincipalGone?: (principalId: string) => void;
  },
): LegacyListenHub {
  // Why a principal per stream: stateless 2025 serving has no session, so a resource update
  // goes to the streams of the principal that subscribed (see `resourceUpdated`).
  const streams = new Map<ReadableStreamDefaultController<Uint8Array>, string | undefined>();
  let timer: ReturnType<typeof setInterval> | undefined;

  function drop(controller: ReadableStreamDefaultController<Uint8Array>): void {
    if (!streams.has(controller)) return;
    const principalId = streams.get(controller);
    streams.delete(controller);
    if (principalId === undefined || [...streams.values()].includes(principalId)) return;
    options.onPrincipalGone?.(principalId);
  }

  function broadcast(frame: string, to?: ReadonlySet<string>): void {
    const bytes = encoder.encode(frame);
    for (const [controller, principalId] of streams) {
      if (to !== undefined && (principalId === undefined || !to.has(principalId))) continue;
      try {
        controller.enqueue(bytes);
      } catch {
        drop(controller);
      }
    }
  }

  function notify(method: string, params?: Record<string, unknown>, to?: ReadonlySet<string>) {
    const message = { jsonrpc: "2.0", method, ...(params === undefined ? {} : { params }) };
    broadcast(`event: message\ndata: ${JSON.stringify(message)}\n\n`, to);
  }

  function ensureTimer(): void {
    if (timer !== undefined || options.keepAliveMs <= 0) return;
    const interval = setInterval(() => broadcast(": keep-alive\n\n"), options.keepAliveMs);
    Deno.unrefTimer(Number(interval));
    timer = interval;
  }

  function open(request: Request, principalId?: string): Response {
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
        streams.set(controller, principalId);
        controller.enqueue(encoder.encode(": nexus notification stream\n\n"));
      },
      cancel() {
        if (own) drop(own);
      },
    });
    request.signal.addEventListener("abort", () => {
      if (!own) return;
      drop(own);
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
    toolsChanged: () => notify("notifications/tools/list_changed"),
    promptsChanged: () => notify("notifications/prompts/list_changed"),
    resourcesChanged: () => notify("notifications/resources/list_changed"),
    resourceUpdated(uri, principalIds) {
      if (principalIds.length === 0) return;
      notify("notifications/resources/updated", { uri }, new Set(principalIds));
    },
    taskStatus: (principalId, params) =>
      notify("notifications/tasks/status", params, new Set([principalId])),
    close() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      for (const controller of streams.keys()) closeQuietly(controller);
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

/**
 * A `GET /mcp` of `principalId` (a 2025-era client opening its notification stream): its stream
 * in `hub`, or 406 when it does not accept `text/event-stream`. Raises nothing.
 */
export function openLegacyStream(
  request: Request,
  hub: LegacyListenHub,
  principalId: string,
): Response {
  const accept = request.headers.get("accept") ?? "";
  if (!accept.includes("text/event-stream")) {
    return new Response("GET /mcp needs Accept: text/event-stream", {
      status: 406,
      headers: { allow: "GET, POST, DELETE" },
    });
  }
  return hub.open(request, principalId);
}
