/**
 * `createGateway(config)`: the one assembly of Nexus. Opens every part from its config slice
 * (`parts.ts`), builds the call pipeline (`pipeline.ts`) once per transport, and hands out the
 * HTTP app and the stdio connection over the same limits, cache, credentials, audit and metrics.
 */

import { DEFAULT_SERVER, stdioPrincipal } from "../auth/mod.ts";
import type { Config } from "../config/mod.ts";
import { GatewayError } from "../errors.ts";
import { type AppEnv, isLoopbackAddress, type Readiness } from "../http/mod.ts";
import type { Logger } from "../log.ts";
import { callTool, serveMcpStdio, type StdioService, type TraceSink } from "../mcp/mod.ts";
import type { ToolResult } from "../registry/mod.ts";
import type { TaskStatusMethod } from "../upstreams/mod.ts";
import { consoleRoutes } from "./console.ts";
import type { ConsoleCall } from "./console_tools.ts";
import { createHttpApp, createHttpMcp } from "./http.ts";
import { type CatalogEvent, deliverCatalogEvent, relistApproved } from "./catalog_events.ts";
import { closeParts, once } from "./closing.ts";
import { type Fanout, type FanoutEvent, openFanout } from "./fanout.ts";
import { openSessionPeers } from "./session_peers.ts";
import { openParts } from "./parts.ts";
import { readiness } from "./readiness.ts";
import { buildPipeline } from "./pipeline.ts";
import { catalogAccess } from "./upstreams.ts";
import { startCredentialUpkeep } from "./vault.ts";

/** The HTTP listener a gateway is served on (`serveBounded` from `lib/http`). */
export interface GatewayListener {
  /** The bound address: its port (port 0 resolved) is where tool files find the demo API. */
  readonly addr: { readonly port: number };
  /** Stops accepting and drains open connections. */
  shutdown(): Promise<void>;
}

/** Options of {@linkcode createGateway}. */
export interface GatewayOptions {
  /** Where every part logs. */
  logger: Logger;
  /** The config file, watched for policy changes; absent: policies reload only on restart. */
  configPath?: string;
  /**
   * The listener already bound for `fetch` (listen first, so port 0 resolves before the demo
   * API's URL is given to tool files); `close()` drains it once open streams have ended. Absent:
   * no listener (stdio, tests); the demo URL uses `config.port` and no exposure check runs.
   */
  listener?: GatewayListener;
}

/** A running gateway. */
export interface Gateway {
  /** Serves one HTTP request (`/mcp`, probes, admin API, `/metrics`, `/demo`); raises nothing. */
  fetch(request: Request, env?: AppEnv): Response | Promise<Response>;
  /**
   * Serves MCP on this process's stdin/stdout (the caller is the local operator); once per
   * gateway.
   * @throws GatewayError INTERNAL when called a second time.
   */
  serveStdio(): void;
  /**
   * Runs one tool call through the whole pipeline as the local operator, as stdio does (no
   * policy; limits, cache, credentials, audit and metrics as configured), telling `trace` of each
   * HTTP exchange with the credential redacted. Used by `nexus tools test`.
   * @throws GatewayError NOT_FOUND (unknown tool), INVALID_PARAMS, RATE_LIMITED and the other
   *   codes whose table row is a protocol error; tool failures come back as `isError` results.
   */
  callLocal(
    request: { name: string; arguments: unknown },
    options?: { trace?: TraceSink },
  ): Promise<ToolResult>;
  /** Tells every connected client (HTTP streams of both eras, stdio) that the tool list changed. */
  toolsChanged(): void;
  /** Whether the stores answer, the registry is loaded and the gateway is not closing. */
  ready(): Promise<Readiness>;
  /**
   * Starts a drain: `/readyz` answers 503 from now on, and every open notification stream (both
   * eras) ends with an SSE `retry:` field of `retryMs`, as does any stream opened later. Calls in
   * flight are not touched; `close()` still has to be called.
   */
  drain(retryMs: number): void;
  /** Tool calls in flight (both transports) and open HTTP notification streams, right now. */
  activity(): { calls: number; streams: number };
  /**
   * Ends streams, drains the listener, flushes the audit log and closes every part; idempotent
   * (later calls return the first call's promise).
   */
  close(): Promise<void>;
}

/**
 * Opens every part and assembles the gateway.
 * @throws GatewayError INVALID_CONFIG when a part cannot open (key material, store, tools
 *   directory, authentication setup); what opened is closed again.
 */
export async function createGateway(config: Config, options: GatewayOptions): Promise<Gateway> {
  const { logger, listener } = options;
  const startedAt = Date.now();
  // Why sets, not late-bound handlers: the parts report changes before the transports exist;
  // each transport subscribes as it is built, and `toolsChanged()` reaches every one of them.
  const onToolsChanged = new Set<() => void>();
  const onKeyRevoked = new Set<() => void>();
  const toolsChanged = () => onToolsChanged.forEach((notify) => notify());
  // Why one set for prompts and resources: the same transports listen to both.
  const onCatalog = new Set<(event: CatalogEvent) => void>();
  const catalogEvent = (event: CatalogEvent) => onCatalog.forEach((notify) => notify(event));
  const keyRevoked = () => onKeyRevoked.forEach((recheck) => recheck());
  // Why late-bound: task status from an upstream goes to this instance's HTTP and stdio clients.
  const onTaskStatus = new Set<
    (upstream: string, params: Record<string, unknown>, method: TaskStatusMethod) => void
  >();
  // Why late-bound: the fan-out rides on the Redis connection the parts open; a change reported
  // while they open is this instance's alone (the others load the same state as they start).
  const announced: { fanout?: Fanout } = {};
  const announce = (event: FanoutEvent) => announced.fanout?.publish(event);
  const parts = await openParts(config, {
    logger,
    port: listener?.addr.port ?? config.port,
    listening: listener !== undefined,
    configPath: options.configPath,
    onToolsChanged: () => {
      toolsChanged();
      announce({ kind: "tools" });
    },
    onKeyRevoked: () => {
      keyRevoked();
      announce({ kind: "keys" });
    },
    onCatalogChange: (changed) => {
      catalogEvent({ kind: "lists", ...changed });
      announce({ kind: "lists", ...changed });
    },
    onResourceUpdated: (uri) => {
      catalogEvent({ kind: "updated", uri });
      announce({ kind: "updated", uri });
    },
    onTaskStatus: (upstream, params, method) =>
      onTaskStatus.forEach((relay) => relay(upstream, params, method)),
  });
  const { security, credentials, limits, metrics } = parts;
  announced.fanout = openFanout(limits.redis, {
    prefix: limits.prefix,
    logger,
    // Why local handlers only: an event from another instance is never announced again.
    onEvent(event) {
      if (event.kind === "tools") {
        toolsChanged();
        // Why: with the same files here (a shared volume), re-read them now rather than at this
        // watcher's own pace; a swap announces itself again, and an unchanged pass is silent.
        parts.toolFiles.reload?.().catch((error) =>
          logger.error("Cannot reload the tools directory after a change elsewhere", { error })
        );
        return;
      }
      if (event.kind === "keys") {
        security.apiKeys.forget();
        return keyRevoked();
      }
      if (event.kind === "pins") return relistApproved(parts, event.upstream, logger);
      catalogEvent(event);
    },
  });
  const snapshot = parts.registry.current();
  logger.info("Tool registry loaded", { tools: snapshot.tools.length, version: snapshot.version });
  const sessionPeers = openSessionPeers(limits.redis, { prefix: limits.prefix, logger });
  const mcp = createHttpMcp(config, {
    logger,
    parts,
    sessionPeers,
    hooks: buildPipeline({
      config,
      logger,
      policy: security.policy,
      audit: security.audit,
      limits,
      vault: credentials.vault,
      metrics: metrics.calls,
      databases: parts.databases,
    }),
  });
  onKeyRevoked.add(() => void mcp.recheckStreams());
  onCatalog.add((event) => deliverCatalogEvent(mcp, event));
  onTaskStatus.add((upstream, params, method) => mcp.taskStatus(upstream, params, method));
  onToolsChanged.add(() => {
    mcp.toolsChanged();
    // Why: a policy reload may shut a caller out of a virtual server it holds a stream on.
    void mcp.recheckStreams();
  });
  if (listener !== undefined && !isLoopbackAddress(config.host) && !config.allowedHosts.length) {
    logger.warn("NEXUS_ALLOWED_HOSTS is empty: Host header not checked on a non-loopback address");
  }
  const stopUpkeep = startCredentialUpkeep(credentials, {
    logger,
    hasKeyring: credentials.hasKeyring,
  });
  // Why no policy (the one place this is decided): the local caller (stdio, `nexus tools test`)
  // is the operator who launched the binary with the gateway's own config and credentials;
  // policies govern remote clients. Limits, cache, credentials, audit and metrics apply as over
  // HTTP.
  const pipelineParts = {
    config,
    logger,
    audit: security.audit,
    limits,
    vault: credentials.vault,
    metrics: metrics.calls,
    databases: parts.databases,
  };
  const localHooks = () => buildPipeline(pipelineParts);
  const stdio: StdioService[] = [];
  let stdioAsked = false;
  const stopAll = () => {
    stopUpkeep();
    announced.fanout?.close();
  };
  const closing = once(() =>
    closeParts(parts, { logger, mcp, stdio, listener, stopUpkeep: stopAll })
  );
  // Why: `start: lazy` upstreams are first contacted when the gateway is first used over MCP.
  const registry = parts.registry;
  // Why: testing a file tool (or a boot upstream's) must not start every lazy upstream.
  const localSnapshot = async (name: string) => {
    if (!registry.current().byName.has(name)) await registry.wake();
    return registry.current();
  };
  let draining = false;
  const ready = () => readiness(parts, draining || closing.started());
  // Why the policy only on request: a console test as a client sees what that client would.
  const testCall: ConsoleCall = async (request, call) => {
    const hooks = call.policy
      ? buildPipeline({ ...pipelineParts, policy: security.policy })
      : localHooks();
    return await callTool(await localSnapshot(request.name), request, {
      caller: call.caller,
      signal: new AbortController().signal,
      logger,
      requestId: crypto.randomUUID(),
      hooks: call.trace === undefined ? hooks : { ...hooks, trace: call.trace },
    });
  };
  const app = createHttpApp(config, {
    logger,
    parts,
    mcp,
    ready,
    sessionPeers,
    adminRoutes: consoleRoutes(parts, {
      call: testCall,
      ready,
      draining: () => draining,
      startedAt,
      onPinsApproved: (upstream) => announce({ kind: "pins", upstream }),
    }),
  });
  const wakes = (request: Request) => !registry.awake() && isMcpPath(request.url);
  return {
    fetch: (request, env) =>
      wakes(request)
        ? registry.wake().then(() => app.fetch(request, env))
        : app.fetch(request, env),
    serveStdio() {
      if (stdioAsked) throw new GatewayError("INTERNAL", "Cannot serve stdio twice");
      stdioAsked = true;
      // Why wait: the one stdio client is the first use; its first tools/list must see lazy
      // upstreams (stdin is read only once serving starts, so nothing is lost meanwhile).
      void registry.wake().then(() => {
        if (closing.started()) return;
        const service = serveMcpStdio({
          snapshot: parts.registry.current,
          logger,
          pageSize: config.toolsPageSize,
          listTtlMs: config.listTtlMs,
          hooks: localHooks(),
          fallbackCaller: { principal: stdioPrincipal(), server: DEFAULT_SERVER },
          catalog: catalogAccess(parts.registry),
          // Why HTTP's keyed hash: task ids bind their principal the same way over both transports.
          ...(parts.credentials.hashArgs === undefined
            ? {}
            : { taskIdMac: parts.credentials.hashArgs }),
        });
        stdio.push(service);
        onToolsChanged.add(() => service.toolsChanged());
        onCatalog.add((event) => deliverCatalogEvent(service, event));
        onTaskStatus.add(service.taskStatus);
      });
    },
    // Why one code path: `nexus tools test` and the console's test call run the same way.
    callLocal: (request, callOptions = {}) =>
      testCall(request, {
        caller: { principal: stdioPrincipal(), server: DEFAULT_SERVER },
        policy: false,
        ...callOptions,
      }),
    toolsChanged,
    ready,
    drain(retryMs) {
      draining = true;
      mcp.drainStreams(retryMs);
    },
    activity: () => ({ calls: metrics.calls.inFlight(), streams: mcp.openStreams() }),
    close: closing.run,
  };
}

/** Whether `url` is an MCP endpoint: `/mcp` or `/mcp/{server}`. */
function isMcpPath(url: string): boolean {
  const path = new URL(url).pathname;
  return path === "/mcp" || path.startsWith("/mcp/");
}
