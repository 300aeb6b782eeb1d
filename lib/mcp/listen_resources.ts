/**
 * Resource subscriptions of 2026-07-28 clients: they ride on a `subscriptions/listen` filter
 * (`resourceSubscriptions`), which the SDK honours and filters by itself. The gateway only has to
 * narrow the filter to URIs the caller may read, and hold the matching upstream subscriptions for
 * as long as the stream is open.
 */

import type { Caller } from "../auth/mod.ts";
import type { RegistrySnapshot } from "../registry/mod.ts";
import type { UpstreamSubscriptions } from "../upstreams/mod.ts";
import { type CatalogAccess, ownerOf, visibleView } from "./catalog_handlers.ts";
import type { PipelineHooks } from "./stages.ts";

/** What a listen request needs to subscribe upstream. */
export interface ListenDeps {
  /** The listening caller. */
  caller: Caller;
  /** The catalog; absent: the request is served unchanged. */
  catalog?: CatalogAccess;
  /** The tool registry (for upstream-level visibility). */
  snapshot: () => RegistrySnapshot;
  /** The policy check shared with tools. */
  canUse: PipelineHooks["canUse"];
  /** Serves the (possibly narrowed) listen request. */
  serve: (parsedBody: unknown) => Promise<Response>;
}

/**
 * Serves a `subscriptions/listen` request whose filter names resources: URIs the caller may not
 * read (or that no upstream serves) are left out of the filter, so the acknowledgement shows what
 * is honoured; the rest are subscribed upstream until the stream ends. Raises what `serve` raises.
 */
export async function subscribeListen(body: unknown, deps: ListenDeps): Promise<Response> {
  const uris = requestedUris(body);
  const catalog = deps.catalog;
  if (uris === undefined || catalog === undefined) return await deps.serve(body);
  const view = visibleView({ catalog, snapshot: deps.snapshot, canUse: deps.canUse }, deps.caller);
  const held: Array<{ uri: string; upstream: UpstreamSubscriptions }> = [];
  await Promise.all([...new Set(uris)].map(async (uri) => {
    let upstream: UpstreamSubscriptions | undefined;
    try {
      upstream = catalog.subscriptions(ownerOf(view, uri));
      if (upstream === undefined) return;
      await upstream.acquire(uri);
    } catch {
      // Why silent: an unknown, hidden or unsubscribable URI is simply not honoured (the ack
      // the client gets lists what is).
      return;
    }
    held.push({ uri, upstream });
  }));
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    for (const { uri, upstream } of held) upstream.release(uri);
  };
  let response: Response;
  try {
    response = await deps.serve(narrowed(body, held.map((item) => item.uri)));
  } catch (error) {
    release();
    throw error;
  }
  const streaming = response.body !== null &&
    (response.headers.get("content-type") ?? "").startsWith("text/event-stream");
  if (!streaming) {
    release();
    return response;
  }
  return new Response(onEnd(response.body!, release), {
    status: response.status,
    headers: response.headers,
  });
}

function requestedUris(body: unknown): string[] | undefined {
  const list = (body as { params?: { notifications?: { resourceSubscriptions?: unknown } } })
    ?.params?.notifications?.resourceSubscriptions;
  if (!Array.isArray(list) || list.length === 0) return undefined;
  return list.filter((uri): uri is string => typeof uri === "string");
}

function narrowed(body: unknown, uris: readonly string[]): unknown {
  const request = body as { params: { notifications: Record<string, unknown> } };
  const { resourceSubscriptions: _, ...rest } = request.params.notifications;
  const notifications = uris.length > 0 ? { ...rest, resourceSubscriptions: [...uris] } : rest;
  return { ...request, params: { ...request.params, notifications } };
}

/** `body` passed through; `end` runs once when it finishes, fails or is cancelled. */
function onEnd(body: ReadableStream<Uint8Array>, end: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          end();
          controller.close();
        } else controller.enqueue(value);
      } catch (error) {
        end();
        controller.error(error);
      }
    },
    async cancel(reason) {
      end();
      await reader.cancel(reason).catch(() => {});
    },
  });
}
