/**
 * Relays what an upstream sends while it handles a federated call to the client that made the
 * call: progress, log messages, and server-to-client requests (elicitation, sampling, roots).
 *
 * Attribution: a message belongs to the call in whose async context the SDK delivered it (HTTP:
 * the call's own POST response stream), else to the only call in flight on the upstream (stdio
 * has one pipe for all calls, and 2025 messages name no request). With several calls in flight and
 * no context, a log message goes to the gateway log and a request is refused, never guessed.
 *
 * Input from the client: a 2026-07-28 upstream's `input_required` result goes to the client as
 * is, its `requestState` wrapped (below). A 2025 upstream's request parks the call on this
 * instance (`pending_requests.ts`) and the client gets an `input_required` result; its retry
 * carries the answer back to the waiting upstream request, through the instance holding the call
 * when the retry lands on another one (`parked_remote.ts`; `forwardsElsewhere` tells the caller
 * beforehand, so it takes no client, call slot or breaker probe here for it). A 2025 client gets
 * either through the SDK's legacy shim, which needs the client's session
 * (`lib/mcp/legacy_sessions.ts`).
 */

import { AsyncLocalStorage } from "node:async_hooks";
import { type Client, ProtocolError, ProtocolErrorCode } from "@modelcontextprotocol/client";
import { z } from "zod";
import type { Logger } from "../log.ts";
import type { DownstreamCall, McpCallRelay } from "../registry/types.ts";
import type { ParkedPeers } from "./parked_remote.ts";
import { createPendingRequests, type InFlightCall } from "./pending_requests.ts";
import { readRelayState, type RelayState, writeRelayState } from "./relay_state.ts";
import { markUpstreamAnswers, relayUpstreamAnswer } from "./upstream_answers.ts";

/** One upstream's relay: the `McpCallRelay` its tools run through, and the client side. */
export interface UpstreamRelay extends McpCallRelay {
  /** Declares the client capabilities and installs the handlers on a client before it connects. */
  attach(client: Client): void;
  /** Fails parked calls and forgets them. */
  close(): void;
}

const TaskStatusParams = z.looseObject({ taskId: z.string(), status: z.string() });

/** A task status notification: 2025-11-25 core tasks, or the 2026-07-28 tasks extension. */
export type TaskStatusMethod = "notifications/tasks/status" | "notifications/tasks";

type InputMethod = "elicitation/create" | "sampling/createMessage" | "roots/list";
const FAMILY: Record<InputMethod, keyof DownstreamCall["accepts"]> = {
  "elicitation/create": "elicitation",
  "sampling/createMessage": "sampling",
  "roots/list": "roots",
};

/** Creates the relay of upstream `name`; raises nothing. */
export function createUpstreamRelay(
  name: string,
  options: {
    logger: Logger;
    /** Receives a task status notification of either era, with its method. */
    onTaskStatus?: (params: Record<string, unknown>, method: TaskStatusMethod) => void;
    /** The other instances (Redis); absent: parked calls are resumed only on this instance. */
    parked?: ParkedPeers;
  },
): UpstreamRelay {
  const logger = options.logger.child({ upstream: name });
  const context = new AsyncLocalStorage<InFlightCall>();
  const peers = options.parked;
  const pending = createPendingRequests(name, peers ? { instance: peers.instance } : {});
  const stopServing = peers?.serve(
    name,
    (request, downstream, signal) =>
      pending.resume(request.id, downstream, {
        tool: request.tool,
        signal,
        timeoutMs: request.timeoutMs,
      }).catch((error) => Promise.reject(relayUpstreamAnswer(error, name))),
  );
  // Why own tokens rather than the SDK's `onprogress`: the SDK runs notification handlers a
  // microtask late and forgets a call's progress handler when its answer arrives, so the last
  // progress, read from the pipe together with the answer, was lost.
  const progressCalls = new Map<string, InFlightCall>();
  let nextToken = 0;

  function attribute(): InFlightCall | undefined {
    const current = context.getStore();
    if (current !== undefined && pending.inFlight(current)) return current;
    return pending.only();
  }

  async function relayRequest(
    method: InputMethod,
    params: Record<string, unknown> | undefined,
    signal: AbortSignal,
  ): Promise<Record<string, unknown>> {
    const call = attribute();
    if (call === undefined) {
      throw new ProtocolError(
        ProtocolErrorCode.InvalidRequest,
        `Cannot relay ${method}: it names no tool call, and ${pending.size()} calls are in flight`,
      );
    }
    const family = FAMILY[method];
    if (!call.downstream.accepts[family]) {
      const why = call.downstream.era === "legacy"
        ? " (a 2025 client needs a session and the capability in its initialize)"
        : "";
      throw new ProtocolError(
        ProtocolErrorCode.InvalidRequest,
        `Cannot relay ${method}: the calling client did not declare the ${family} capability${why}`,
      );
    }
    return await call.ask({ method, ...(params === undefined ? {} : { params }) }, signal);
  }

  function relayLog(params: { level: string; data?: unknown; logger?: string }): void {
    const call = attribute();
    if (call !== undefined) {
      call.relayed(
        call.downstream.log({
          level: params.level,
          data: params.data,
          ...(params.logger === undefined ? {} : { logger: params.logger }),
        }).catch((error) => logger.debug("Cannot relay upstream log message", { error })),
      );
      return;
    }
    const fields = { level: params.level, logger: params.logger, data: params.data };
    if (["debug"].includes(params.level)) logger.debug("Upstream log message", fields);
    else if (["info", "notice"].includes(params.level)) logger.info("Upstream log message", fields);
    else if (params.level === "warning") logger.warn("Upstream log message", fields);
    else logger.error("Upstream log message", fields);
  }

  return {
    attach(client) {
      // Why form only: a 2025 URL-mode elicitation ends with `notifications/elicitation/complete`,
      // which is not relayed. A 2026-07-28 upstream is told each client's own on every call.
      client.registerCapabilities({ elicitation: { form: {} }, sampling: {}, roots: {} });
      markUpstreamAnswers(client);
      client.setNotificationHandler("notifications/message", (notification) => {
        relayLog(notification.params);
      });
      // Why a custom schema: the SDK's typed notifications leave out the task vocabulary of both
      // eras (the 2026-07-28 one arrives on the listen streams `resource_subscriptions.ts` opens).
      for (const method of ["notifications/tasks/status", "notifications/tasks"] as const) {
        client.setNotificationHandler(
          method,
          { params: TaskStatusParams },
          (params) => options.onTaskStatus?.(params, method),
        );
      }
      client.setNotificationHandler("notifications/progress", ({ params }) => {
        const call = progressCalls.get(String(params.progressToken));
        call?.progress({
          progress: params.progress,
          ...(params.total === undefined ? {} : { total: params.total }),
          ...(params.message === undefined ? {} : { message: params.message }),
        });
      });
      for (const method of Object.keys(FAMILY) as InputMethod[]) {
        client.setRequestHandler(
          method,
          // Why the cast: the answer is the client's, checked by the SDK against the method's
          // result schema before it is sent upstream.
          ((
            request: { params?: Record<string, unknown> },
            ctx: { mcpReq: { signal: AbortSignal } },
          ) => relayRequest(method, request.params, ctx.mcpReq.signal)) as never,
        );
      }
    },
    async call(downstream, options, send) {
      try {
        return await relayCall(downstream, options, send);
      } catch (error) {
        // Why: the upstream's JSON-RPC error reaches the client as it was (a direct client would
        // have seen it so); the SDK client's own errors go on as they are.
        throw relayUpstreamAnswer(error, name);
      }
    },
    forwardsElsewhere(downstream, tool) {
      if (peers === undefined || downstream.requestState === undefined) return false;
      try {
        return holderElsewhere(readRelayState(downstream.requestState, tool)) !== undefined;
      } catch {
        return false;
      }
    },
    close() {
      stopServing?.();
      pending.close();
    },
  };

  /** The other instance holding parked call `state`; undefined when it is held here (or no peers). */
  function holderElsewhere(state: RelayState): string | undefined {
    if (state.kind !== "parked" || peers === undefined) return undefined;
    return state.instance === undefined || state.instance === peers.instance
      ? undefined
      : state.instance;
  }

  async function relayCall(
    ...[downstream, options, send]: Parameters<McpCallRelay["call"]>
  ): Promise<unknown> {
    const state = downstream.requestState === undefined
      ? undefined
      : readRelayState(downstream.requestState, options.tool);
    if (state?.kind === "parked") {
      const holder = holderElsewhere(state);
      if (peers === undefined || holder === undefined) {
        return wrap(await pending.resume(state.id, downstream, options), options.tool);
      }
      const request = {
        upstream: name,
        id: state.id,
        tool: options.tool,
        timeoutMs: options.timeoutMs,
      };
      return wrap(await peers.resume(holder, request, downstream, options.signal), options.tool);
    }
    const call = pending.open(downstream, options);
    // Why inputResponses without a state too: an upstream may ask without minting a state.
    const retry = {
      ...(state?.state === undefined ? {} : { requestState: state.state }),
      ...(downstream.inputResponses === undefined
        ? {}
        : { inputResponses: downstream.inputResponses }),
    };
    const token = downstream.progressToken === undefined ? undefined : `nexus-${++nextToken}`;
    if (token !== undefined) progressCalls.set(token, call);
    const work = context.run(call, () =>
      send({
        signal: call.signal,
        ...(token === undefined ? {} : { progressToken: token }),
        ...retry,
      }));
    if (token !== undefined) {
      void work.then(() => progressCalls.delete(token), () => progressCalls.delete(token));
    }
    return wrap(await pending.settle(call, work, options), options.tool);
  }
}

/** A 2026-07-28 upstream's `input_required` result with its `requestState` wrapped for the client. */
function wrap(result: unknown, tool: string): unknown {
  if (!isInputRequired(result) || result.parked === true) return stripParked(result);
  // Why always a state: the retry must be recognised as one even when the upstream minted none.
  const state = typeof result.requestState === "string" ? { state: result.requestState } : {};
  return { ...result, requestState: writeRelayState({ kind: "upstream", tool, ...state }) };
}

function stripParked(result: unknown): unknown {
  if (!isInputRequired(result) || result.parked !== true) return result;
  const { parked: _parked, ...rest } = result;
  return rest;
}

function isInputRequired(
  value: unknown,
): value is { resultType: "input_required"; requestState?: unknown; parked?: boolean } {
  return typeof value === "object" && value !== null &&
    (value as { resultType?: unknown }).resultType === "input_required";
}
