/**
 * The federated calls in flight on one upstream, and those parked waiting for their client's
 * input. A 2025 upstream that asks for input (elicitation, sampling, roots) keeps its `tools/call`
 * open while it waits; the gateway answers the client with an `input_required` result and keeps
 * the upstream call pending here, on this instance, until the client's retry brings the answer,
 * the upstream's timeout (plus a short grace) runs out, or the gateway closes.
 *
 * Why in memory: the upstream's open request lives on this instance's connection, so only this
 * instance can answer it. With Redis the parked `requestState` names this instance, and a retry
 * that lands on another one is forwarded here and resumed for it (`parked_remote.ts`,
 * `lib/gateway/parked_peers.ts`); the principal and tool are checked here either way. Without
 * Redis a retry elsewhere finds nothing and is told to call again (a 2025 session client's retry
 * runs inside the instance serving its call, `lib/mcp/legacy_sessions.ts`).
 */

import { GatewayError } from "../errors.ts";
import type { DownstreamCall } from "../registry/types.ts";
import { writeRelayState } from "./relay_state.ts";

/** Grace on top of the upstream's timeout before a parked call is given up. */
const PARK_GRACE_MS = 2_000;

/** An embedded request the upstream made: `{ method, params }`. */
export interface InputRequest {
  /** `elicitation/create`, `sampling/createMessage` or `roots/list`. */
  method: string;
  /** The request's params as the upstream sent them. */
  params?: Record<string, unknown>;
}

/** One federated call while the upstream handles it. */
export interface InFlightCall {
  /** The client request the call serves now (a retry replaces it). */
  downstream: DownstreamCall;
  /** Aborts the upstream request: the client cancelled, the deadline fired, or it expired parked. */
  readonly signal: AbortSignal;
  /** Forwards one upstream progress notification to the current client request. */
  readonly progress: (progress: { progress: number; total?: number; message?: string }) => void;
  /** Holds the call's answer until `sending` (a relayed notification) is written or failed. */
  readonly relayed: (sending: Promise<void>) => void;
  /** Asks the client for input on the upstream's behalf; resolves with the client's answer. */
  ask(request: InputRequest, signal: AbortSignal): Promise<Record<string, unknown>>;
}

interface Ask {
  key: string;
  request: InputRequest;
  resolve: (answer: Record<string, unknown>) => void;
  reject: (error: unknown) => void;
}

interface Entry extends InFlightCall {
  controller: AbortController;
  principalId: string;
  tool: string;
  asks: Ask[];
  counter: number;
  sending: Set<Promise<void>>;
  wake?: () => void;
  detach?: () => void;
  parked?: { id: string; timer: ReturnType<typeof setTimeout> };
}

/** Per-call options the relay passes on. */
interface CallOptions {
  tool: string;
  signal: AbortSignal;
  timeoutMs: number;
}

/** The pending calls of one upstream; see the module doc. */
export interface PendingRequests {
  /** Registers a new call for `downstream`, its upstream signal linked to `options.signal`. */
  open(downstream: DownstreamCall, options: CallOptions): InFlightCall;
  /** Whether `call` is still in flight (parked included). */
  inFlight(call: InFlightCall): boolean;
  /** The call in flight when it is the only one. */
  only(): InFlightCall | undefined;
  /** How many calls are in flight (parked included). */
  size(): number;
  /** Waits for the upstream's result, or parks the call and answers `input_required`. */
  settle(call: InFlightCall, work: Promise<unknown>, options: CallOptions): Promise<unknown>;
  /**
   * Resumes parked call `id` with the retry's answers.
   * @throws GatewayError INVALID_PARAMS when no such call waits for this principal and tool.
   */
  resume(id: string, downstream: DownstreamCall, options: CallOptions): Promise<unknown>;
  /** Fails every parked call. */
  close(): void;
}

/** Creates the pending calls of upstream `upstream`; raises nothing. */
export function createPendingRequests(
  upstream: string,
  options: { graceMs?: number; instance?: string } = {},
): PendingRequests {
  const instance = options.instance === undefined ? {} : { instance: options.instance };
  const graceMs = options.graceMs ?? PARK_GRACE_MS;
  const calls = new Set<Entry>();
  const parked = new Map<string, Entry>();
  const works = new WeakMap<Entry, Promise<unknown>>();

  function attach(entry: Entry, signal: AbortSignal): void {
    const onAbort = () => entry.controller.abort(signal.reason);
    if (signal.aborted) onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    entry.detach = () => signal.removeEventListener("abort", onAbort);
  }

  function finish(entry: Entry): void {
    calls.delete(entry);
    entry.detach?.();
    if (entry.parked !== undefined) {
      clearTimeout(entry.parked.timer);
      parked.delete(entry.parked.id);
      delete entry.parked;
    }
  }

  function expire(entry: Entry, reason: string): void {
    const error = new GatewayError("CANCELLED", reason);
    for (const ask of entry.asks.splice(0)) ask.reject(error);
    entry.controller.abort(error);
    finish(entry);
  }

  function park(entry: Entry, options: CallOptions): Record<string, unknown> {
    entry.detach?.();
    const id = crypto.randomUUID();
    const timer = setTimeout(
      () => expire(entry, `The client did not answer upstream "${upstream}" in time`),
      options.timeoutMs + graceMs,
    );
    entry.parked = { id, timer };
    parked.set(id, entry);
    return {
      resultType: "input_required",
      inputRequests: Object.fromEntries(entry.asks.map((ask) => [ask.key, ask.request])),
      requestState: writeRelayState({ kind: "parked", tool: options.tool, id, ...instance }),
      parked: true,
    };
  }

  async function settle(
    call: InFlightCall,
    work: Promise<unknown>,
    options: CallOptions,
  ): Promise<unknown> {
    const entry = call as Entry;
    if (!works.has(entry)) {
      works.set(entry, work);
      // Why: a parked call's outcome has no reader until a retry; its end must still clean up.
      work.then(() => entry.parked && finish(entry), () => entry.parked && finish(entry));
    }
    while (entry.asks.length === 0) {
      const asked = new Promise<"asked">((resolve) => entry.wake = () => resolve("asked"));
      const outcome = await Promise.race([
        work.then((value) => ({ value }), (error: unknown) => ({ error })),
        asked,
      ]);
      delete entry.wake;
      if (outcome === "asked") continue;
      // Why: a notification relayed during the call must reach the client before its answer.
      await Promise.allSettled([...entry.sending]);
      finish(entry);
      if ("error" in outcome) throw outcome.error;
      return outcome.value;
    }
    await Promise.allSettled([...entry.sending]);
    return park(entry, options);
  }

  return {
    open(downstream, options) {
      const controller = new AbortController();
      const entry: Entry = {
        downstream,
        controller,
        signal: controller.signal,
        principalId: downstream.principalId,
        tool: options.tool,
        asks: [],
        counter: 0,
        sending: new Set(),
        relayed(sending) {
          const settled = sending.catch(() => {});
          entry.sending.add(settled);
          void settled.then(() => entry.sending.delete(settled));
        },
        progress(progress) {
          const token = entry.downstream.progressToken;
          if (token === undefined) return;
          entry.relayed(entry.downstream.notify({
            method: "notifications/progress",
            params: { ...progress, progressToken: token },
          }));
        },
        ask(request, signal) {
          return new Promise((resolve, reject) => {
            const key = `${request.method.split("/")[0]}-${++entry.counter}`;
            const ask: Ask = { key, request, resolve, reject };
            entry.asks.push(ask);
            signal.addEventListener("abort", () => {
              entry.asks = entry.asks.filter((item) => item !== ask);
              reject(signal.reason);
            }, { once: true });
            entry.wake?.();
          });
        },
      };
      attach(entry, options.signal);
      calls.add(entry);
      return entry;
    },
    inFlight: (call) => calls.has(call as Entry),
    only() {
      if (calls.size !== 1) return undefined;
      return calls.values().next().value;
    },
    size: () => calls.size,
    settle,
    resume(id, downstream, options) {
      const entry = parked.get(id);
      // Why one error for all three: a retry cannot learn whether an id exists for someone else.
      if (
        entry === undefined || entry.principalId !== downstream.principalId ||
        entry.tool !== options.tool
      ) {
        return Promise.reject(
          new GatewayError(
            "INVALID_PARAMS",
            `Cannot resume the call to upstream "${upstream}": it is no longer waiting for input ` +
              "(it ended, timed out, or ran on another gateway instance without shared Redis); " +
              "call the tool again",
          ),
        );
      }
      clearTimeout(entry.parked!.timer);
      parked.delete(id);
      delete entry.parked;
      entry.downstream = downstream;
      attach(entry, options.signal);
      const answers = downstream.inputResponses ?? {};
      entry.asks = entry.asks.filter((ask) => {
        const answer = answers[ask.key];
        if (typeof answer !== "object" || answer === null) return true;
        ask.resolve(answer as Record<string, unknown>);
        return false;
      });
      return settle(entry, works.get(entry)!, options);
    },
    close() {
      for (const entry of [...parked.values()]) {
        expire(entry, `Gateway closing: upstream "${upstream}" call abandoned`);
      }
    },
  };
}
