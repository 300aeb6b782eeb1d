/**
 * Cancellation for 2025 clients served statelessly (no session). Such a client's
 * `notifications/cancelled` arrives as its own POST, which the SDK hands to a fresh server that
 * knows nothing of the call. This table keeps the SDK servers of this instance's in-flight
 * stateless 2025 requests (`tools/call`, `prompts/get`, `resources/read`, `completion/complete`)
 * with their principal and JSON-RPC request id; a cancellation closes the server of the one it
 * names, which is what the SDK does when the request is aborted: the handler's signal fires (a
 * federated call then cancels its upstream request, as in a session) and the answer stream ends.
 *
 * Why (principal, id) and "cancel none if ambiguous": without a session, request ids are only
 * unique per client connection, and one principal may run several clients whose ids collide. A
 * cancellation matching two in-flight requests could mean either, so it cancels neither (logged);
 * one matching none (ended, or on another instance) is ignored, as the spec allows.
 *
 * Why tracked at the server and not around the request: every stateless 2025 call (the bulk of
 * 2025 traffic to federated tools) would otherwise pay for a second `Request`, an
 * `AbortSignal.any` and a stream wrapper to learn when it ends (with the era classification,
 * about a tenth of the gateway's CPU per call in the federation bench's profile). The SDK builds
 * one server per stateless request, tells the factory the era it classified and the request it
 * serves, and closes that server when the exchange ends: a map entry from build to close is all
 * a call costs. A federated `tools/call` the direct path answers (`direct_dispatch.ts`) has no SDK
 * server: it holds an entry of its own (`hold`) whose cancel ends it the same way.
 */

import type { McpRequestContext, Server } from "@modelcontextprotocol/server";
import type { Logger } from "../log.ts";
import { endsKnown } from "../stream_end.ts";
import { isModernPost } from "./era.ts";

const TRACKED = new Set(["tools/call", "prompts/get", "resources/read", "completion/complete"]);

/** Who sent a tracked request, its JSON-RPC id, and the server the SDK built for it. */
interface Sender {
  principalId: string;
  id: string | number;
  server?: Server;
  /** Run when the server closes; undefined once it has. */
  ends?: Array<() => void>;
  /** Cancels the call: closes its server, or ends a direct call. */
  cancel?: () => void;
}

/** This instance's in-flight stateless 2025 requests. */
export interface StatelessCancels {
  /**
   * Serves `request` through `serve` (the SDK's handler). A stateless 2025
   * `notifications/cancelled` first cancels the call it names (same principal); a request of a
   * tracked method is noted, so the server the SDK builds for it can be tracked
   * ({@linkcode StatelessCancels.track}). Raises what `serve` raises.
   */
  serve(
    request: Request,
    options: { principalId: string; parsedBody?: unknown },
    serve: () => Promise<Response>,
  ): Promise<Response>;
  /**
   * Called by the SDK handler's factory with the server it built: tracks `server` until it closes
   * when it serves a noted request in the 2025 era. Raises nothing.
   */
  track(ctx: McpRequestContext | undefined, server: Server): void;
  /**
   * Tracks a stateless 2025 call the direct path serves (`direct_dispatch.ts`, no SDK server):
   * a cancellation naming it runs `cancel` once. Returns the release, to run when the call's
   * answer ends (a cancellation after it names nothing). Raises nothing.
   */
  hold(call: { principalId: string; id: string | number }, cancel: () => void): () => void;
  /** How many requests are tracked now (for tests and debugging). */
  size(): number;
}

/** Creates the table; raises nothing. */
export function createStatelessCancels(options: { logger: Logger }): StatelessCancels {
  const noted = new WeakMap<Request, Sender>();
  // Why keyed by the SDK server or a direct call's own entry: both end by their key's release.
  const inFlight = new Map<object, Sender>();

  function cancel(principalId: string, params: unknown): void {
    const { requestId } = (params ?? {}) as { requestId?: unknown };
    if (typeof requestId !== "string" && typeof requestId !== "number") return;
    // Why a scan: cancellations are rare, and a per-call index would cost every call instead.
    const matches: object[] = [];
    for (const [key, sender] of inFlight) {
      if (sender.id === requestId && sender.principalId === principalId) matches.push(key);
    }
    if (matches.length > 1) {
      options.logger.warn("Cancellation ignored: its request id names several calls in flight", {
        requests: matches.length,
      });
      return;
    }
    const [key] = matches;
    if (key === undefined) return;
    const { cancel } = inFlight.get(key)!;
    inFlight.delete(key);
    cancel?.();
  }

  return {
    serve(request, { principalId, parsedBody }, serve) {
      if (typeof parsedBody !== "object" || parsedBody === null) return serve();
      const { method, id, params } = parsedBody as {
        method?: unknown;
        id?: unknown;
        params?: unknown;
      };
      if (method === "notifications/cancelled") {
        // Why the era check only here: a cancellation is rare; a call's era is the SDK's (`track`).
        if (!hasEnvelope(params) && !isModernPost(request, parsedBody)) cancel(principalId, params);
      } else if (
        (typeof id === "string" || typeof id === "number") && TRACKED.has(method as string)
      ) {
        const sender: Sender = { principalId, id };
        noted.set(request, sender);
        return serve().then((response) => {
          const server = sender.server;
          if (server === undefined) return response;
          // Why: the SDK closes the server of a streamed answer at its end (the last chunk read,
          // or the body cancelled), and of any other answer before returning it, except when
          // serving failed (a 500 it answers itself).
          if (!isStream(response)) {
            inFlight.delete(server);
            return response;
          }
          return endsKnown(response, (end) => sender.ends ? sender.ends.push(end) : end());
        });
      }
      return serve();
    },
    track(ctx, server) {
      const request = ctx?.requestInfo;
      if (request === undefined || ctx?.era !== "legacy") return;
      const sender = noted.get(request);
      if (sender === undefined) return;
      noted.delete(request);
      sender.server = server;
      sender.ends = [];
      // Why close: the SDK's own teardown of an aborted stateless request (transport and server
      // closed, the handler's signal aborted, the answer stream ended without an answer).
      sender.cancel = () => void server.close().catch(() => {});
      inFlight.set(server, sender);
      const onclose = server.onclose;
      server.onclose = () => {
        inFlight.delete(server);
        const ends = sender.ends;
        delete sender.ends;
        for (const end of ends ?? []) end();
        onclose?.();
      };
    },
    hold(call, cancel) {
      const key = {};
      inFlight.set(key, { principalId: call.principalId, id: call.id, cancel });
      return () => void inFlight.delete(key);
    },
    size: () => inFlight.size,
  };
}

function isStream(response: Response): boolean {
  return response.headers.get("content-type")?.startsWith("text/event-stream") ?? false;
}

/**
 * Whether the params carry the 2026-07-28 per-request envelope: a cheap first look, so a
 * 2026-07-28 cancellation skips the SDK's full classification.
 */
function hasEnvelope(params: unknown): boolean {
  const meta = (params as { _meta?: Record<string, unknown> } | undefined)?._meta;
  return typeof meta?.["io.modelcontextprotocol/protocolVersion"] === "string";
}
