/**
 * Cancellation for 2025 clients served statelessly (no session). Such a client's
 * `notifications/cancelled` arrives as its own POST, which the SDK hands to a fresh server that
 * knows nothing of the call. This table keeps this instance's in-flight stateless 2025 requests
 * (`tools/call`, `prompts/get`, `resources/read`, `completion/complete`) by principal and JSON-RPC
 * request id; a cancellation aborts the one it names, which tears down that request's server and
 * so aborts its call (a federated call then cancels its upstream request, as in a session).
 *
 * Why (principal, id) and "cancel none if ambiguous": without a session, request ids are only
 * unique per client connection, and one principal may run several clients whose ids collide. A
 * cancellation matching two in-flight requests could mean either, so it cancels neither (logged);
 * one matching none (ended, or on another instance) is ignored, as the spec allows.
 */

import type { Logger } from "../log.ts";
import { releasedAtStreamEnd } from "../stream_end.ts";
import { isModernPost } from "./era.ts";

const TRACKED = new Set(["tools/call", "prompts/get", "resources/read", "completion/complete"]);

/** This instance's in-flight stateless 2025 requests. */
export interface StatelessCancels {
  /**
   * Serves `request` through `serve`, cancellable by a later `notifications/cancelled` of the
   * same principal, when it is a stateless 2025 request of a tracked method; as is otherwise.
   * Raises what `serve` raises.
   */
  serve(
    request: Request,
    options: { principalId: string; parsedBody?: unknown },
    serve: (request: Request) => Promise<Response>,
  ): Promise<Response>;
  /** How many requests are tracked now (for tests and debugging). */
  size(): number;
}

/** Creates the table; raises nothing. */
export function createStatelessCancels(options: { logger: Logger }): StatelessCancels {
  const inFlight = new Map<string, Set<AbortController>>();

  function cancel(principalId: string, params: unknown): void {
    const { requestId, reason } = (params ?? {}) as { requestId?: unknown; reason?: unknown };
    if (typeof requestId !== "string" && typeof requestId !== "number") return;
    const matches = inFlight.get(keyOf(principalId, requestId));
    if (matches === undefined) return;
    if (matches.size > 1) {
      options.logger.warn("Cancellation ignored: its request id names several calls in flight", {
        requests: matches.size,
      });
      return;
    }
    const [controller] = matches;
    controller?.abort(typeof reason === "string" ? reason : "cancelled by the client");
  }

  return {
    async serve(request, { principalId, parsedBody }, serve) {
      const message = messageOf(parsedBody);
      const cancelling = message?.method === "notifications/cancelled";
      const tracked = message?.id !== undefined && TRACKED.has(message.method);
      // Why the method first: the era check runs only for the few methods this concerns.
      if (!(cancelling || tracked) || hasEnvelope(message) || isModernPost(request, parsedBody)) {
        return await serve(request);
      }
      if (cancelling) {
        cancel(principalId, message!.params);
        return await serve(request);
      }
      const key = keyOf(principalId, message!.id!);
      const controller = new AbortController();
      const set = inFlight.get(key) ?? new Set();
      set.add(controller);
      inFlight.set(key, set);
      const release = () => {
        set.delete(controller);
        if (set.size === 0 && inFlight.get(key) === set) inFlight.delete(key);
      };
      try {
        // Why a new Request without a body: the body was read (`parsedBody` is passed on), and
        // the SDK tears the request's server down, aborting its handlers, when this signal fires.
        const cancellable = new Request(request.url, {
          method: request.method,
          headers: request.headers,
          signal: AbortSignal.any([request.signal, controller.signal]),
        });
        return releasedAtStreamEnd(await serve(cancellable), release);
      } catch (error) {
        release();
        throw error;
      }
    },
    size: () => [...inFlight.values()].reduce((sum, set) => sum + set.size, 0),
  };
}

/**
 * Whether the message carries the 2026-07-28 per-request envelope: a cheap first look, so a
 * 2026-07-28 call (the hot path) skips the SDK's full classification.
 */
function hasEnvelope(message: { params?: unknown } | undefined): boolean {
  const meta = (message?.params as { _meta?: Record<string, unknown> } | undefined)?._meta;
  return typeof meta?.["io.modelcontextprotocol/protocolVersion"] === "string";
}

function keyOf(principalId: string, id: string | number): string {
  return JSON.stringify([principalId, id]);
}

function messageOf(
  body: unknown,
): { method: string; id?: string | number; params?: unknown } | undefined {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return undefined;
  const { method, id, params } = body as { method?: unknown; id?: unknown; params?: unknown };
  if (typeof method !== "string") return undefined;
  const validId = typeof id === "string" || typeof id === "number" ? id : undefined;
  return { method, ...(validId === undefined ? {} : { id: validId }), params };
}
