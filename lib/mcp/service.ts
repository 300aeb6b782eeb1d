/**
 * The MCP surface over Streamable HTTP: 2026-07-28 requests through the SDK's per-request
 * handler, 2025-era requests through its stateless fallback, and change notifications to both.
 */

import { createMcpHandler } from "@modelcontextprotocol/server";
import { createLegacyListenHub, openLegacyStream } from "./legacy_listen.ts";
import type { Caller } from "../auth/mod.ts";
import { GatewayError } from "../errors.ts";
import { authInfoFor } from "./caller_info.ts";
import type { SessionSealer } from "../credentials/mod.ts";
import { createLegacySessions } from "./legacy_sessions.ts";
import { localSessionPeers, type SessionPeers } from "./session_peers.ts";
import { shareSubscriptions } from "./shared_subscriptions.ts";
import { paramDeclarations, paramHeaderRejection } from "./param_headers.ts";
import { createServerFactory, type ServerDeps, type SettledCall } from "./server_factory.ts";
import { createDirectDispatch, type Replay } from "./direct_dispatch.ts";
import { createStatelessCancels } from "./stateless_cancel.ts";
import { createTaskOwners, ownedTaskStatus } from "./task_owners.ts";
import { createResourceSubscribers } from "./resource_subscribers.ts";
import { subscribeListen } from "./listen_resources.ts";
import { createTaskListens, listenTasks } from "./listen_tasks.ts";
import { createStreamSlots, openBoundedStream } from "./stream_bounds.ts";

/** Options for the MCP service. */
export interface McpServiceOptions extends ServerDeps {
  /** Cap on open notification streams (2025 GET streams and 2026 listen streams, each). */
  maxListenStreams: number;
  /** Cap on one principal's open notification streams, both eras together. */
  maxClientStreams?: number;
  /** How often each open stream's caller is re-authenticated (default 5 s). */
  streamRecheckMs?: number;
  /** Keep-alive interval for SSE streams; 0 disables. */
  keepAliveMs?: number;
  /** Body size bound the SDK applies to bodies it reads itself. */
  maxBodyBytes: number;
  /**
   * 2025 sessions across instances: the sealer of their ids (the master key's, so every instance
   * opens them) and the other instances; absent: a per-process key and no peers (one instance).
   */
  sessions?: { sealer?: SessionSealer; peers?: SessionPeers; ttlMs?: number };
  /**
   * Whether a plain `tools/call` skips the SDK's per-request machinery (`direct_dispatch.ts`;
   * default true); false: every request goes through the SDK.
   */
  directDispatch?: boolean;
}

/** Per-request inputs of `McpService.fetch`. */
export interface McpFetchOptions {
  /** The authenticated caller; it reaches the tool-call pipeline through the SDK's `authInfo`. */
  caller: Caller;
  /** The JSON body the HTTP layer already read; absent: the SDK reads the body itself. */
  parsedBody?: unknown;
  /**
   * Resolves the caller again from the same request (a `Response` means refused); absent: an open
   * notification stream is never re-checked and lasts until its client or the gateway ends it.
   */
  reauthorize?: () => Promise<Caller | Response>;
}

/** The MCP endpoint as a fetch-shaped service. */
export interface McpService {
  /**
   * Serves one request to the MCP endpoint for `caller`; `parsedBody` is the read JSON body.
   * `reauthorize` resolves the caller again from the same request (current keys and policy; a
   * `Response` means refused): an open notification stream ends when it refuses.
   * @throws GatewayError RATE_LIMITED when the caller holds its cap of notification streams.
   */
  fetch(request: Request, options: McpFetchOptions): Promise<Response>;
  /** Tells every listening client (both eras) that the tool list changed. */
  toolsChanged(): void;
  /** Tells every listening client (both eras) that the prompt list changed. */
  promptsChanged(): void;
  /** Tells every listening client (both eras) that the resource (or template) list changed. */
  resourcesChanged(): void;
  /** Tells the clients subscribed to `uri` (both eras) that the resource changed. */
  resourceUpdated(uri: string): void;
  /**
   * Relays upstream `upstream`'s task status notification (its own task id in `params`) under the
   * gateway's task id: a 2025-11-25 `notifications/tasks/status` to the `GET /mcp` streams of the
   * 2025 client that created the task through this instance, a tasks extension
   * `notifications/tasks` to the `subscriptions/listen` streams that asked for the task.
   */
  taskStatus(
    upstream: string,
    params: Record<string, unknown>,
    method?: "notifications/tasks/status" | "notifications/tasks",
  ): void;
  /** Re-authenticates the caller of every open notification stream now (after a revocation). */
  recheckStreams(): Promise<void>;
  /**
   * Ends every open notification stream (both eras) with an SSE `retry:` field, and every stream
   * opened from now on at once; calls in flight are not touched (a drain).
   */
  drainStreams(retryMs: number): void;
  /** Open notification streams (both eras). */
  openStreams(): number;
  /** Aborts open streams and in-flight modern exchanges. */
  close(): Promise<void>;
}

/** Creates the MCP service. Raises nothing itself; errors are answered on the wire. */
export function createMcpService(options: McpServiceOptions): McpService {
  const keepAliveMs = options.keepAliveMs ?? 15_000;
  const peers = options.sessions?.peers ?? localSessionPeers();
  // Why shared: a 2025 client's subscribe and its GET stream may land on different instances.
  const subscribers = shareSubscriptions(
    createResourceSubscribers(() =>
      new GatewayError("RATE_LIMITED", "Too many resource subscriptions for one client")
    ),
    peers,
  );
  const owners = createTaskOwners();
  // Why keyed by the Request: the SDK hands the factory the request it serves, and a replayed
  // call's entry is taken by the one handler that answers it.
  const settledCalls = new WeakMap<Request, SettledCall>();
  const listens = createTaskListens();
  const factory = createServerFactory({
    ...options,
    taskOwners: owners,
    // Why the principal: stateless 2025 serving has no session; a principal's GET streams are
    // where its resource updates go.
    subscribers: { registry: subscribers, keyOf: (caller) => caller.principal.id },
    settledCall(request) {
      const settled = settledCalls.get(request);
      settledCalls.delete(request);
      return settled;
    },
  });
  const federates = () => options.snapshot().tools.some((tool) => tool.backend.kind === "mcp");
  const cancels = createStatelessCancels({ logger: options.logger });
  // Why off under tracing: request spans are made by the SDK server's handler hook
  // (traced_server.ts); tracing is opt-in, and a traced instance serves every call through it.
  const direct = options.directDispatch === false || options.hooks.tracing !== undefined
    ? undefined
    : createDirectDispatch({ ...options, keepAliveMs, federates, cancels });
  // Why through the table: a stateless 2025 call is cancelled by closing its server.
  const handler = createMcpHandler((ctx) => {
    const server = factory(ctx);
    cancels.track(ctx, server);
    return server;
  }, {
    legacy: "stateless",
    maxSubscriptions: options.maxListenStreams,
    maxRequestBodySize: options.maxBodyBytes,
    keepAliveMs,
    onerror: (error) => options.logger.debug("MCP exchange rejected", { error }),
  });
  const hub = createLegacyListenHub({
    maxStreams: options.maxListenStreams,
    keepAliveMs,
    logger: options.logger,
    onPrincipalGone: (principalId) => subscribers.removeAll(principalId),
  });
  const slots = createStreamSlots({
    perPrincipal: options.maxClientStreams ?? options.maxListenStreams,
    recheckMs: options.streamRecheckMs ?? 5_000,
    logger: options.logger,
  });
  // Why: a 2025 client gets a session only when an upstream may ask it for input (legacy_sessions.ts).
  const sessions = createLegacySessions({
    factory,
    federates,
    logger: options.logger,
    keepAliveMs,
    maxBodyBytes: options.maxBodyBytes,
    ...options.sessions,
    peers,
  });
  const declarationsOf = paramDeclarations<Caller>({
    // Why: a tool the caller may not use is left to the pipeline, which answers "unknown tool".
    lookup: (name, caller) => {
      const tool = options.snapshot().byName.get(name);
      return tool !== undefined && options.hooks.canUse(caller, tool) ? tool : undefined;
    },
  });
  // Why not async: a plain call answered directly returns its promise as it is, and a 2025 call
  // leaves here for the SDK without an `await`; an async function would wrap it (a promise and a
  // thenable job per call) and build the SDK's inputs for nothing.
  function serve(request: Request, options: McpFetchOptions): Promise<Response> {
    const { caller, parsedBody } = options;
    try {
      const refused = paramHeaderRejection(
        request,
        parsedBody,
        (name) => declarationsOf(name, caller),
      );
      if (refused !== undefined) return Promise.resolve(refused);
      // Why: the SDK builds a server, a transport and zod-parses the message for every request,
      // about half of a plain call's CPU; a plain tools/call (the bulk of traffic) is answered here
      // with the same bytes, and anything else, or any answer but a plain result, is the SDK's.
      const answered = direct?.(request, { parsedBody, caller, replay });
      return answered ?? serveSdk(request, options);
    } catch (error) {
      return Promise.reject(error);
    }
  }
  // Why one function for every call (the request passed, not captured): nothing per call in flight.
  const replay: Replay = (settled, { request, caller, parsedBody }) => {
    settledCalls.set(request, settled);
    return sdkFetch(request, caller, parsedBody);
  };
  function sdkFetch(request: Request, caller: Caller, parsedBody: unknown): Promise<Response> {
    const authInfo = authInfoFor(caller);
    return handler.fetch(
      request,
      parsedBody === undefined ? { authInfo } : { authInfo, parsedBody },
    );
  }
  function serveStateless(request: Request, { caller, parsedBody }: McpFetchOptions) {
    if (parsedBody === undefined) return sdkFetch(request, caller, parsedBody);
    // Why: a stateless 2025 client's cancellation must find its call (stateless_cancel.ts).
    return cancels.serve(
      request,
      { principalId: caller.principal.id, parsedBody },
      () => sdkFetch(request, caller, parsedBody),
    );
  }
  function serveSdk(request: Request, options: McpFetchOptions): Promise<Response> {
    const { caller, parsedBody } = options;
    if (!sessions.claims(request, parsedBody)) return serveStateless(request, options);
    return sessions.serve(request, {
      authInfo: authInfoFor(caller),
      // Why the virtual server too: a session opened on `/mcp/a` serves `/mcp/a` only.
      owner: JSON.stringify([caller.principal.id, caller.server]),
      ...(parsedBody === undefined ? {} : { parsedBody }),
    }).then((sessioned) => sessioned ?? serveStateless(request, options));
  }
  return {
    fetch(request, fetchOptions) {
      // Why: 2026-07-28 has no GET; a GET is a 2025-era client opening its notification stream.
      if (request.method === "GET") {
        const principalId = fetchOptions.caller.principal.id;
        return openBoundedStream(
          slots,
          fetchOptions,
          () => Promise.resolve(openLegacyStream(request, hub, principalId)),
        );
      }
      if (isListen(fetchOptions.parsedBody)) {
        const listen = {
          caller: fetchOptions.caller,
          catalog: options.catalog,
          snapshot: options.snapshot,
          canUse: options.hooks.canUse,
        };
        // Why two steps: task ids are the gateway's to serve (listen_tasks.ts), resources the SDK's.
        return openBoundedStream(slots, fetchOptions, () =>
          listenTasks(fetchOptions.parsedBody, {
            ...listen,
            ...(options.taskIdMac === undefined ? {} : { taskIdMac: options.taskIdMac }),
            listens,
            keepAliveMs,
            maxKept: options.maxListenStreams,
            serve: (body) =>
              subscribeListen(body, {
                ...listen,
                serve: (parsedBody) => serve(request, { ...fetchOptions, parsedBody }),
              }),
          }));
      }
      try {
        return serve(request, fetchOptions);
      } catch (error) {
        return Promise.reject(error);
      }
    },
    toolsChanged() {
      handler.notify.toolsChanged();
      hub.toolsChanged();
    },
    promptsChanged() {
      handler.notify.promptsChanged();
      hub.promptsChanged();
    },
    resourcesChanged() {
      handler.notify.resourcesChanged();
      hub.resourcesChanged();
    },
    resourceUpdated(uri) {
      handler.notify.resourceUpdated(uri);
      hub.resourceUpdated(uri, subscribers.keysFor(uri));
    },
    taskStatus(upstream, params, method) {
      if (method === "notifications/tasks") return listens.deliver(upstream, params);
      const owned = ownedTaskStatus(owners, upstream, params);
      if (owned?.owner.era === "legacy") hub.taskStatus(owned.owner.principalId, owned.params);
    },
    recheckStreams: () => slots.recheck(),
    drainStreams: (retryMs) => slots.drain(retryMs),
    openStreams: () => slots.count(),
    async close() {
      slots.close();
      hub.close();
      subscribers.clear();
      await sessions.close();
      await handler.close();
    },
  };
}

function isListen(body: unknown): boolean {
  return typeof body === "object" && body !== null &&
    (body as { method?: unknown }).method === "subscriptions/listen";
}
