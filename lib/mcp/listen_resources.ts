/**
 * Resource subscriptions of 2026-07-28 clients: they ride on a `subscriptions/listen` filter
 * (`resourceSubscriptions`), which the SDK honours and filters by itself. The gateway only has to
 * narrow the filter to URIs the caller may read, and hold the matching upstream subscriptions for
 * as long as the stream is open.
 */

import type { Caller } from "../auth/mod.ts";
import { releasedAtStreamEnd } from "../stream_end.ts";
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
  const targets = listenTargets(body, deps);
  if (targets === undefined) return await deps.serve(body);
  const held: ListenTarget[] = [];
  await Promise.all(targets.map(async (target) => {
    try {
      await target.upstream.acquire(target.uri);
      held.push(target);
    } catch {
      // Why silent: a URI the upstream refuses is simply not honoured (the ack lists what is).
    }
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
  return releasedAtStreamEnd(response, release);
}

/** One resource of a listen filter the caller may read, and the upstream that serves it. */
export interface ListenTarget {
  /** The resource URI. */
  uri: string;
  /** The gateway's shared subscriptions at the owning upstream. */
  upstream: UpstreamSubscriptions;
}

/**
 * The resources of a listen filter that the caller may read, each with its upstream; undefined
 * when the request names none (or there is no catalog). Unknown and hidden URIs are left out.
 */
export function listenTargets(
  body: unknown,
  deps: Pick<ListenDeps, "caller" | "catalog" | "snapshot" | "canUse">,
): ListenTarget[] | undefined {
  const uris = requestedUris(body);
  const catalog = deps.catalog;
  if (uris === undefined || catalog === undefined) return undefined;
  const view = visibleView({ catalog, snapshot: deps.snapshot, canUse: deps.canUse }, deps.caller);
  const targets: ListenTarget[] = [];
  for (const uri of new Set(uris)) {
    try {
      const upstream = catalog.subscriptions(ownerOf(view, uri));
      if (upstream !== undefined) targets.push({ uri, upstream });
    } catch {
      // Why silent: an unknown or hidden URI is simply not honoured (the ack lists what is).
    }
  }
  return targets;
}

function requestedUris(body: unknown): string[] | undefined {
  const list = (body as { params?: { notifications?: { resourceSubscriptions?: unknown } } })
    ?.params?.notifications?.resourceSubscriptions;
  if (!Array.isArray(list) || list.length === 0) return undefined;
  return list.filter((uri): uri is string => typeof uri === "string");
}

/** The listen request with its `resourceSubscriptions` replaced by `uris`. */
export function narrowed(body: unknown, uris: readonly string[]): unknown {
  const request = body as { params: { notifications: Record<string, unknown> } };
  const { resourceSubscriptions: _, ...rest } = request.params.notifications;
  const notifications = uris.length > 0 ? { ...rest, resourceSubscriptions: [...uris] } : rest;
  return { ...request, params: { ...request.params, notifications } };
}
