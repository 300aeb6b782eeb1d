/**
 * Builds the SDK server instance that serves one HTTP request (or one stdio connection).
 *
 * Why the low-level `Server`: the gateway's tools are data, not code registered one by one; the
 * handlers read a prebuilt registry snapshot, so constructing an instance per request costs a
 * handful of closures and no schema work.
 */

import {
  type CacheHint,
  type McpRequestContext,
  ProtocolError,
  Server,
  type Tool,
} from "@modelcontextprotocol/server";
import { anonymousPrincipal, type Caller, DEFAULT_SERVER } from "../auth/mod.ts";
import { GatewayError, toClientError } from "../errors.ts";
import { currentRequestContext, type Logger } from "../log.ts";
import { pageOf, type RegistrySnapshot } from "../registry/mod.ts";
import type { ToolDescriptor, ToolResult } from "../registry/types.ts";
import { SERVER_NAME, VERSION } from "../version.ts";
import { callTool } from "./call_pipeline.ts";
import { callerIn } from "./caller_info.ts";
import { type CatalogAccess, registerCatalogHandlers } from "./catalog_handlers.ts";
import type { ResourceSubscribers } from "./resource_subscribers.ts";
import { EMPTY_CATALOG } from "../upstreams/mod.ts";
import { downstreamOf } from "./downstream.ts";
import { registerCoreTaskHandlers } from "./core_task_handlers.ts";
import { INSTRUCTIONS, serverCapabilities } from "./capabilities.ts";
import type { PipelineHooks } from "./stages.ts";
import type { TaskOwners } from "./task_owners.ts";
import { tracedServerClass } from "./traced_server.ts";
import {
  acceptsTasks,
  createEndedTasks,
  registerTaskHandlers,
  relayTaskResult,
  withTaskCapability,
} from "./task_handlers.ts";

/** What every server instance reads from. */
export interface ServerDeps {
  /** The registry snapshot current at the moment a request is handled. */
  snapshot: () => RegistrySnapshot;
  /** Where protocol handlers log INTERNAL failures and tool calls log theirs. */
  logger: Logger;
  /** Tools per `tools/list` page (config `toolsPageSize`, default 100). */
  pageSize: number;
  /** How long clients may cache list results, in milliseconds (2026-07-28 cache hints). */
  listTtlMs: number;
  /** Admission, stages, visibility and the finish observer every tool call runs through. */
  hooks: PipelineHooks;
  /** The caller when the transport names none (stdio; HTTP always passes one in `authInfo`). */
  fallbackCaller?: Caller;
  /** Federated prompts, resources and completions; absent: their lists are empty. */
  catalog?: CatalogAccess;
  /** The keyed hash relayed task ids are tagged with (tasks extension); absent: untagged. */
  taskIdMac?: (text: string) => string;
}

/** A `tools/call` already run for a request (the direct path's, `direct_dispatch.ts`). */
export type SettledCall = { result: ToolResult } | { error: unknown };

/** What the transports in this folder add to {@linkcode ServerDeps}. */
export interface FactoryDeps extends ServerDeps {
  /** Where relayed tasks' owners are remembered for status notifications; absent: not. */
  taskOwners?: TaskOwners;
  /**
   * 2025-era `resources/subscribe` bookkeeping and the subscriber an instance stands for (a
   * principal over stateless HTTP, a connection over stdio); absent: subscribing is refused.
   */
  subscribers?: {
    registry: ResourceSubscribers;
    keyOf: (caller: Caller, server: Server) => string;
  };
  /**
   * The call the direct path already ran for this HTTP request, taken once: the `tools/call`
   * handler answers it instead of running the tool again. Absent: every call runs here.
   */
  settledCall?: (request: Request) => SettledCall | undefined;
}

const NO_CATALOG: CatalogAccess = {
  current: () => EMPTY_CATALOG,
  client: () => Promise.reject(new GatewayError("NOT_FOUND", "No upstream serves this")),
  timeoutMs: () => 30_000,
  subscriptions: () => undefined,
};

// Why `@ignore` on `ServerFactory`: `deno doc --lint` (Deno 2.9) reports every npm type a public
// type names as a private-type-ref (denoland/deno#27364), and this signature is the MCP SDK's own
// (`createMcpHandler` takes it), so it must name the SDK's `McpRequestContext` and `Server`.
// `@ignore` keeps the alias out of the generated docs and the lint without changing a type; drop
// it once Deno ships the fix.

/**
 * Builds one low-level SDK `Server` for a serving unit (one HTTP request or one stdio connection).
 * @ignore
 */
export type ServerFactory = (ctx?: McpRequestContext) => Server;

/**
 * Returns a factory building one low-level SDK `Server` per serving unit.
 * @throws nothing at build time; handlers raise protocol errors per the error table.
 */
export function createServerFactory(deps: FactoryDeps): ServerFactory {
  // Why: hints are validated by the SDK at construction; build the object once.
  const hint: CacheHint = { ttlMs: deps.listTtlMs, cacheScope: "private" };
  const cacheHints = {
    "tools/list": hint,
    "prompts/list": hint,
    "resources/list": hint,
    "resources/templates/list": hint,
    "server/discover": hint,
  };
  // Why one set per factory: a task's end is recorded once per instance, not at every poll.
  const ended = createEndedTasks();
  // Why chosen once: with tracing off the plain SDK `Server` serves, no span code on the path.
  const tracing = deps.hooks.tracing;
  const servers = {
    legacy: tracing ? tracedServerClass(tracing, "legacy") : Server,
    modern: tracing ? tracedServerClass(tracing, "modern") : Server,
  };
  return function buildServer(ctx?: McpRequestContext): Server {
    const server = new servers[ctx?.era ?? "legacy"]({ name: SERVER_NAME, version: VERSION }, {
      capabilities: serverCapabilities(ctx?.era),
      instructions: INSTRUCTIONS,
      cacheHints,
    });
    const caller = callerOf(ctx, deps);
    registerHandlers(server, deps, caller, {
      era: ctx?.era ?? "legacy",
      request: ctx?.requestInfo,
    });
    if (ctx?.era !== undefined) {
      const register = ctx.era === "modern" ? registerTaskHandlers : registerCoreTaskHandlers;
      register(
        server,
        {
          snapshot: deps.snapshot,
          canUse: deps.hooks.canUse,
          ...(deps.taskIdMac === undefined ? {} : { taskIdMac: deps.taskIdMac }),
          ...(deps.hooks.onTaskEvent === undefined ? {} : { onTaskEvent: deps.hooks.onTaskEvent }),
          ended,
        },
        caller,
        (body) => guarded(deps.logger, body),
      );
    }
    registerCatalogHandlers(
      server,
      {
        catalog: deps.catalog ?? NO_CATALOG,
        snapshot: deps.snapshot,
        canUse: deps.hooks.canUse,
        pageSize: deps.pageSize,
        listTtlMs: deps.listTtlMs,
        era: ctx?.era ?? "legacy",
        ...(deps.subscribers
          ? {
            subscribers: {
              registry: deps.subscribers.registry,
              key: deps.subscribers.keyOf(caller, server),
            },
          }
          : {}),
      },
      caller,
      (body) => guarded(deps.logger, body),
    );
    return server;
  };
}

function callerOf(ctx: McpRequestContext | undefined, deps: ServerDeps): Caller {
  return callerIn(ctx) ?? deps.fallbackCaller ??
    { principal: anonymousPrincipal(undefined), server: DEFAULT_SERVER };
}

function registerHandlers(
  server: Server,
  deps: FactoryDeps,
  caller: Caller,
  { era, request: httpRequest }: { era: "legacy" | "modern"; request: Request | undefined },
): void {
  server.setRequestHandler("tools/list", (request) =>
    guarded(deps.logger, () => {
      const snapshot = deps.snapshot();
      const visible = visibleTo(snapshot, caller, deps.hooks.canUse);
      const page = pageOf(visible, request.params?.cursor, deps.pageSize);
      // Why: the registry only admits input schemas with `type: "object"` (checked at load).
      const tools = page.tools as Tool[];
      const result = page.nextCursor === undefined
        ? { tools }
        : { tools, nextCursor: page.nextCursor };
      // Why: a merged list may be cached no longer than its shortest-lived upstream allows.
      if (era !== "modern" || snapshot.upstreamTtlMs === undefined) return result;
      const ttlMs = Math.min(deps.listTtlMs, snapshot.upstreamTtlMs);
      return { ...result, ttlMs, cacheScope: "private" as const };
    }));
  server.setRequestHandler(
    "tools/call",
    (request, ctx) =>
      guarded(deps.logger, async () => {
        const settled = httpRequest === undefined ? undefined : deps.settledCall?.(httpRequest);
        if (settled !== undefined) {
          if ("error" in settled) throw settled.error;
          return settled.result;
        }
        const snapshot = deps.snapshot();
        // Why per request: a 2025 session's server outlives the request that built it.
        const callCaller = callerIn({ era: "legacy", authInfo: ctx.http?.authInfo }) ?? caller;
        // Why `task` for 2025: a 2025-11-25 client asks for a task on the request itself.
        const coreTask = era === "legacy" ? taskParam(request.params) : undefined;
        const tasks = era === "modern" ? acceptsTasks(ctx) : coreTask !== undefined;
        const downstream = downstreamOf(server, ctx, caller.principal.id);
        const result = await callTool(snapshot, request.params, {
          caller: callCaller,
          sessionId: ctx.sessionId,
          signal: ctx.mcpReq.signal,
          logger: deps.logger,
          // Why the HTTP request's id: log lines, the audit row and the trace share one id.
          requestId: currentRequestContext()?.requestId ?? crypto.randomUUID(),
          hooks: deps.hooks,
          downstream: coreTask !== undefined
            ? { ...downstream, task: coreTask }
            : tasks
            ? withTaskCapability(downstream)
            : downstream,
          finishResult: (result) =>
            relayTaskResult(result, {
              snapshot,
              toolName: request.params.name,
              principal: callCaller.principal.id,
              accepted: tasks,
              era,
              ...(deps.taskOwners === undefined ? {} : { owners: deps.taskOwners }),
              ...(deps.taskIdMac === undefined ? {} : { taskIdMac: deps.taskIdMac }),
            }),
        });
        return result;
      }),
  );
}

/** The 2025-11-25 task augmentation of a `tools/call` (`params.task`); undefined when absent. */
function taskParam(params: Record<string, unknown>): Record<string, unknown> | undefined {
  const task = params.task;
  return typeof task === "object" && task !== null && !Array.isArray(task)
    ? task as Record<string, unknown>
    : undefined;
}

/**
 * The snapshot's prebuilt descriptors `caller` may see, in the same order (nothing is rebuilt):
 * the snapshot itself when every tool is visible.
 */
export function visibleTo(
  snapshot: RegistrySnapshot,
  caller: Caller,
  canUse: PipelineHooks["canUse"],
): { readonly descriptors: readonly ToolDescriptor[] } {
  // Why by index: `descriptors[i]` describes `tools[i]` (both in name order, built together).
  const descriptors = snapshot.descriptors.filter((_, index) =>
    canUse(caller, snapshot.tools[index]!)
  );
  return descriptors.length === snapshot.descriptors.length ? snapshot : { descriptors };
}

/** Runs a handler body and maps its failures onto JSON-RPC errors through the error table. */
async function guarded<T>(logger: Logger, body: () => T | Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    throw toProtocolError(error, logger);
  }
}

function toProtocolError(error: unknown, logger: Logger): ProtocolError {
  if (error instanceof ProtocolError) return error;
  const requestId = crypto.randomUUID();
  const clientError = toClientError(error, requestId);
  if (!(error instanceof GatewayError)) {
    logger.error("Internal error in MCP handler", { requestId, error });
  }
  const relayed = clientError.relayed;
  if (relayed !== undefined) {
    // Why fromError: it rebuilds the SDK's own class for the code (-32021, -32042, …), as the
    // upstream's SDK sent it, so the HTTP status and the data's shape are the upstream's too.
    return ProtocolError.fromError(relayed.code, relayed.message, relayed.data);
  }
  return new ProtocolError(clientError.mapping.jsonRpc, clientError.message, clientError.data);
}
