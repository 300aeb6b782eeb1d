/**
 * The federated prompts, resources, resource templates and completions, served from the merged
 * catalog and routed to the upstream that owns each name or URI: `prompts/get` by prompt name
 * (sent upstream under its original name), `resources/read` by exact URI and else by template,
 * `completion/complete` by prompt name (`ref/prompt`) or URI template (`ref/resource`), and the
 * 2025-era `resources/subscribe` / `unsubscribe`.
 *
 * Visibility: a prompt is checked by its federated name exactly like a tool (policies, virtual
 * servers, a key's tool list). Resources and templates follow their upstream: a caller sees them
 * when it may use one of that upstream's tools or prompts, or a tool named by the upstream's bare
 * prefix (`fx_`, which a pattern like `fx_*` grants). What a caller may not see answers like
 * what does not exist.
 */

import { ResourceNotFoundError, type Server } from "@modelcontextprotocol/server";
import type { Caller } from "../auth/mod.ts";
import { GatewayError } from "../errors.ts";
import type { McpCallRelay, RegistrySnapshot, ToolDefinition } from "../registry/mod.ts";
import {
  type Client,
  type MergedCatalog,
  routeUri,
  type UpstreamSubscriptions,
} from "../upstreams/mod.ts";
import { pageAfter } from "./catalog_pages.ts";
import { inputParams, mergedHint, relay, relayedError, relayRequest } from "./catalog_relay.ts";
import { downstreamOf } from "./downstream.ts";
import type { ResourceSubscribers } from "./resource_subscribers.ts";
import type { PipelineHooks } from "./stages.ts";

/** What the catalog handlers read and route through (the federated registry provides it). */
export interface CatalogAccess {
  /** The merged catalog now. */
  current(): MergedCatalog;
  /** The connected client of an upstream; rejects UPSTREAM_UNAVAILABLE. */
  client(upstream: string): Promise<Client>;
  /** The upstream's per-request timeout in ms. */
  timeoutMs(upstream: string): number;
  /**
   * The upstream's relay, through which `prompts/get` and `resources/read` run like a tool call
   * (its input requests reach the calling client); absent: they go straight to the client.
   */
  relay?(upstream: string): McpCallRelay | undefined;
  /** The gateway's shared resource subscriptions at an upstream. */
  subscriptions(upstream: string): UpstreamSubscriptions | undefined;
  /**
   * Admits one request through the upstream's breaker and concurrency gate (as a tool call);
   * absent: requests are not admitted. Rejects UPSTREAM_UNAVAILABLE or CANCELLED.
   */
  admit?(
    upstream: string,
    signal: AbortSignal,
  ): Promise<(outcome: "success" | "failure" | "ignored") => void>;
}

/** Everything one server instance's catalog handlers need. */
export interface CatalogHandlerDeps {
  /** The catalog and the upstreams behind it. */
  catalog: CatalogAccess;
  /** The tool registry (a caller's usable tools decide its visible upstreams). */
  snapshot: () => RegistrySnapshot;
  /** The policy check shared with tools. */
  canUse: PipelineHooks["canUse"];
  /** Items per list page. */
  pageSize: number;
  /** The gateway's own list TTL (the ceiling of every merged list's hint). */
  listTtlMs: number;
  /** The era this instance serves; cache hints are sent to 2026-07-28 clients only. */
  era: "legacy" | "modern";
  /** 2025-era subscriptions and this instance's subscriber key; absent: subscribe is refused. */
  subscribers?: { registry: ResourceSubscribers; key: string };
}

/** Registers the catalog handlers on `server` for `caller`. Raises nothing at registration. */
export function registerCatalogHandlers(
  server: Server,
  deps: CatalogHandlerDeps,
  caller: Caller,
  guard: <T>(body: () => T | Promise<T>) => Promise<T>,
): void {
  const view = () => visibleView(deps, caller);
  server.setRequestHandler("prompts/list", (request) =>
    guard(() => {
      const { catalog, prompt } = view();
      const page = pageAfter(
        catalog.prompts.filter(prompt),
        (item) => item.name,
        request.params?.cursor,
        deps.pageSize,
      );
      return withHint(deps, catalog, "prompts", {
        prompts: page.items.map((item) => item.descriptor) as never[],
        ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }),
      });
    }));
  server.setRequestHandler("resources/list", (request) =>
    guard(() => {
      const { catalog, upstream } = view();
      const page = pageAfter(
        catalog.resources.filter((item) => upstream(item.upstream)),
        (item) => item.uri,
        request.params?.cursor,
        deps.pageSize,
      );
      return withHint(deps, catalog, "resources", {
        resources: page.items.map((item) => item.descriptor) as never[],
        ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }),
      });
    }));
  server.setRequestHandler("resources/templates/list", (request) =>
    guard(() => {
      const { catalog, upstream } = view();
      const page = pageAfter(
        catalog.templateList.filter((item) => upstream(item.upstream)),
        (item) => item.uriTemplate,
        request.params?.cursor,
        deps.pageSize,
      );
      return withHint(deps, catalog, "templates", {
        resourceTemplates: page.items.map((item) => item.descriptor) as never[],
        ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }),
      });
    }));
  server.setRequestHandler("prompts/get", (request, ctx) =>
    guard(async () => {
      const { catalog, prompt } = view();
      const found = catalog.promptByName.get(request.params.name);
      if (found === undefined || !prompt(found)) throw promptNotFound(request.params.name);
      const { _meta: _, ...params } = request.params;
      const downstream = downstreamOf(server, ctx, caller.principal.id);
      return await relayRequest(deps, {
        upstream: found.upstream,
        key: { method: "prompts/get", name: request.params.name },
        downstream,
        signal: ctx.mcpReq.signal,
      }, (client, retry, options) =>
        client.getPrompt(
          { ...params, name: found.original, ...inputParams(client, { ...downstream, ...retry }) },
          { ...options, allowInputRequired: true },
        )) as never;
    }));
  server.setRequestHandler("resources/read", (request, ctx) =>
    guard(async () => {
      const uri = request.params.uri;
      const owner = ownerOf(view(), uri);
      const downstream = downstreamOf(server, ctx, caller.principal.id);
      const result = await relayRequest(deps, {
        upstream: owner,
        key: { method: "resources/read", name: uri },
        downstream,
        signal: ctx.mcpReq.signal,
      }, (client, retry, options) =>
        client.readResource({ uri, ...inputParams(client, { ...downstream, ...retry }) }, {
          ...options,
          cacheMode: "bypass",
          allowInputRequired: true,
        }));
      // Why private: what a caller may read depends on who it is (visibility, the upstream's
      // credential); the upstream's TTL is kept, its `public` is not.
      return (deps.era === "modern" ? { ...result, cacheScope: "private" } : result) as never;
    }));
  server.setRequestHandler("completion/complete", (request, ctx) =>
    guard(async () => {
      const { _meta: _, ...params } = request.params;
      const { ref } = params;
      const current = view();
      let upstream: string;
      let sent = ref;
      if (ref.type === "ref/prompt") {
        const found = current.catalog.promptByName.get(ref.name);
        if (found === undefined || !current.prompt(found)) throw promptNotFound(ref.name);
        upstream = found.upstream;
        sent = { ...ref, name: found.original };
      } else {
        const template = current.catalog.templateByPattern.get(ref.uri);
        upstream = template !== undefined && current.upstream(template.upstream)
          ? template.upstream
          : ownerOf(current, ref.uri);
      }
      return await relay(deps, upstream, ctx.mcpReq.signal, (client, options) =>
        client.complete({ ...params, ref: sent }, options)) as never;
    }));
  server.setRequestHandler("resources/subscribe", (request) =>
    guard(async () => {
      const uri = request.params.uri;
      const owner = ownerOf(view(), uri);
      const upstream = deps.catalog.subscriptions(owner);
      if (deps.subscribers === undefined || upstream === undefined) {
        throw new GatewayError("INVALID_REQUEST", "Cannot subscribe: no notification channel");
      }
      await deps.subscribers.registry.add(deps.subscribers.key, uri, upstream).catch((error) => {
        throw relayedError(error, owner);
      });
      return {};
    }));
  server.setRequestHandler("resources/unsubscribe", (request) =>
    guard(() => {
      deps.subscribers?.registry.remove(deps.subscribers.key, request.params.uri);
      return {};
    }));
}

/** What `caller` may see of the catalog now. */
export interface CatalogView {
  /** The merged catalog. */
  catalog: MergedCatalog;
  /** Whether the caller may see and get a prompt. */
  prompt(item: { name: string; upstream: string }): boolean;
  /** Whether the caller may see the resources and templates of an upstream. */
  upstream(name: string): boolean;
}

/** The catalog as `caller` may see it (visibility computed lazily, once per request). */
export function visibleView(
  deps: Pick<CatalogHandlerDeps, "catalog" | "snapshot" | "canUse">,
  caller: Caller,
): CatalogView {
  const catalog = deps.catalog.current();
  let upstreams: Set<string> | undefined;
  const prompt = (item: { name: string }) => deps.canUse(caller, nameOnly(item.name));
  function visibleUpstreams(): Set<string> {
    const visible = new Set<string>();
    for (const tool of deps.snapshot().tools) {
      if (tool.backend.kind !== "mcp" || visible.has(tool.backend.upstream)) continue;
      if (deps.canUse(caller, tool)) visible.add(tool.backend.upstream);
    }
    for (const item of catalog.prompts) {
      if (!visible.has(item.upstream) && prompt(item)) visible.add(item.upstream);
    }
    for (const [name, prefix] of catalog.prefixes) {
      if (!visible.has(name) && deps.canUse(caller, nameOnly(prefix))) visible.add(name);
    }
    return visible;
  }
  return {
    catalog,
    prompt,
    upstream: (name) => (upstreams ??= visibleUpstreams()).has(name),
  };
}

/**
 * The upstream owning `uri` for a caller that may see it.
 * @throws ResourceNotFoundError (the SDK's) for an unknown URI and for one the caller may not see.
 */
export function ownerOf(view: CatalogView, uri: string): string {
  const route = routeUri(view.catalog, uri);
  // Why one error for both: a caller must not learn which URIs exist behind upstreams it may not
  // use.
  if (route === undefined || !view.upstream(route.upstream)) throw new ResourceNotFoundError(uri);
  return route.upstream;
}

function withHint<T extends object>(
  deps: CatalogHandlerDeps,
  catalog: MergedCatalog,
  list: "prompts" | "resources" | "templates",
  result: T,
): T {
  if (deps.era !== "modern") return result;
  return { ...result, ...mergedHint(catalog, list, deps.listTtlMs) };
}

function promptNotFound(name: string): GatewayError {
  return new GatewayError("NOT_FOUND", `Prompt "${name}" not found`, { data: { name } });
}

// Why a bare name: policies, virtual-server bundles and key tool lists match tools by name and
// tags; a prompt (or an upstream's prefix) is matched by its name the same way, with no tags.
function nameOnly(name: string): ToolDefinition {
  return { name, tags: [] } as unknown as ToolDefinition;
}
