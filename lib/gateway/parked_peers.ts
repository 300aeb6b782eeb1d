/**
 * Parked calls across gateway instances sharing Redis (the sibling of `session_peers.ts`). A
 * 2026-07-28 client's retry of a call a 2025 upstream parked on instance A may land on B: B
 * publishes the retry on A's inbox channel (`PREFIX:parked:<A>`), A resumes the call with a
 * downstream standing in for B's client, and publishes back on B's inbox what the client must
 * get: progress and log messages, then the result, a new `input_required` (its parked state names
 * A again) or the error. B's cancellation (client cancel, disconnect, deadline) is published to A.
 *
 * What travels: the retry as the relays see it (principal id, era, progress token, log level,
 * declared capabilities, `inputResponses`: client data) and the outcome (as the response cache
 * already stores tool results in Redis); never a credential. A checks principal and tool itself.
 *
 * A lost holder: PUBLISH reports how many subscribers took the message, and each instance alone
 * listens on its inbox, so none means the holder is gone; a holder that dies mid-call stops its
 * heartbeat. Either way the retry fails at once (INVALID_PARAMS, like an expired parked call)
 * saying the call was lost with its instance. Redis faults are logged and fail only that retry.
 * Why the count can be trusted: Nexus talks to one Redis server (a primary, `NEXUS_REDIS_URL`);
 * under Redis Cluster a PUBLISH would count only its own node's subscribers.
 */

import { GatewayError, isGatewayError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { DownstreamCall } from "../registry/mod.ts";
import { type RedisConnection, redisKey } from "../store/mod.ts";
import type { ParkedPeers, RemoteResume, ResumeHere } from "../upstreams/mod.ts";
import { subscribeUntilTaken } from "./redis_channel.ts";

/** How often a holder tells the asking instance it still runs the call. */
const HEARTBEAT_MS = 5_000;
/** On top of the upstream's timeout before either side gives a resumed call up. */
const GRACE_MS = 2_000;

type Message = Record<string, unknown> & { kind: string; rid: string };

interface Waiting {
  downstream: DownstreamCall;
  /** The relayed notifications in order; the outcome waits for them. */
  chain: Promise<void>;
  settle(outcome: { value: unknown } | { error: unknown }): void;
  /** News arrived: the holder lives. */
  alive(): void;
  /** Ends the wait with `error` and tells the holder to cancel. */
  giveUp(error: unknown): void;
}

/** The parked-call link over `redis`; undefined without Redis (calls stay local). Raises nothing. */
export function openParkedPeers(
  redis: RedisConnection | undefined,
  options: { prefix: string; logger: Logger; heartbeatMs?: number },
): (ParkedPeers & { close(): void }) | undefined {
  if (redis === undefined) return undefined;
  const { logger, prefix } = options;
  const heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
  const instance = crypto.randomUUID();
  const inbox = (id: string) => redisKey(prefix, "parkedChannel", id);
  const handlers = new Map<string, ResumeHere>();
  const waiting = new Map<string, Waiting>();
  const serving = new Map<string, AbortController>();
  let closed = false;

  /** Publishes `message` on `to`'s inbox; resolves with how many instances took it. */
  function send(to: string, message: Record<string, unknown>): Promise<number> {
    if (closed) return Promise.resolve(0);
    return redis!.command(["PUBLISH", inbox(to), JSON.stringify(message)]).then(Number);
  }

  function reply(to: string, message: Record<string, unknown>): Promise<void> {
    return send(to, message).then(() => {}, (error) => {
      logger.warn("Cannot send a resumed call's news to the asking instance", { error });
      throw error;
    });
  }

  function receive(raw: string): void {
    let message: Message;
    try {
      message = JSON.parse(raw);
    } catch {
      return;
    }
    if (typeof message?.rid !== "string") return;
    if (message.kind === "resume") return serveResume(message);
    if (message.kind === "cancel") {
      return serving.get(message.rid)?.abort(
        new GatewayError("CANCELLED", "The client cancelled the resumed call"),
      );
    }
    const wait = waiting.get(message.rid);
    if (wait === undefined) return;
    wait.alive();
    if (message.kind === "notify" || message.kind === "log") {
      const { downstream } = wait;
      const relay = message.kind === "notify"
        ? () => downstream.notify(message.notification as { method: string })
        : () => downstream.log(message.params as { level: string; data: unknown });
      wait.chain = wait.chain.then(relay).catch((error) =>
        logger.debug("Cannot relay a resumed call's message to its client", { error })
      );
    } else if (message.kind === "result") {
      wait.settle({ value: message.value });
    } else if (message.kind === "error") {
      wait.settle({ error: errorFromWire(message.error) });
    }
  }

  /** Holder side: resumes one parked call for the instance `message.from` and reports back. */
  function serveResume(message: Message): void {
    const { rid, from } = message;
    const request = message.request as RemoteResume;
    const fields = message.downstream as Omit<DownstreamCall, "notify" | "log">;
    if (typeof from !== "string" || typeof request?.upstream !== "string") return;
    const controller = new AbortController();
    serving.set(rid, controller);
    const alive = () => void send(from, { kind: "alive", rid }).catch(() => {});
    const heartbeat = setInterval(alive, heartbeatMs);
    const deadline = setTimeout(
      () => controller.abort(new GatewayError("CANCELLED", "The resumed call ran out of time")),
      request.timeoutMs + GRACE_MS,
    );
    alive();
    const standIn: DownstreamCall = {
      ...fields,
      notify: (notification) => reply(from, { kind: "notify", rid, notification }),
      log: (params) => reply(from, { kind: "log", rid, params }),
    };
    const handler = handlers.get(request.upstream);
    const work = handler === undefined
      ? Promise.reject(notWaiting(request.upstream))
      : handler(request, standIn, controller.signal);
    work.then(
      (value) => ({ kind: "result", rid, value }),
      (error) => ({ kind: "error", rid, error: errorToWire(error, logger) }),
    ).then((outcome) => send(from, outcome)).catch((error) =>
      logger.warn("Cannot send a resumed call's outcome to the asking instance", { error })
    ).finally(() => {
      clearInterval(heartbeat);
      clearTimeout(deadline);
      serving.delete(rid);
    });
  }

  /** Asking side: forwards one retry to `holder` and waits for its news and outcome. */
  function forward(
    holder: string,
    request: RemoteResume,
    downstream: DownstreamCall,
    signal: AbortSignal,
  ): Promise<unknown> {
    if (signal.aborted) return Promise.reject(signal.reason);
    const rid = crypto.randomUUID();
    const { promise, resolve, reject } = Promise.withResolvers<unknown>();
    const timers: {
      liveness?: ReturnType<typeof setTimeout>;
      deadline?: ReturnType<typeof setTimeout>;
    } = {};
    const onAbort = () => wait.giveUp(signal.reason);
    const wait: Waiting = {
      downstream,
      chain: Promise.resolve(),
      settle(outcome) {
        if (waiting.get(rid) !== wait) return;
        waiting.delete(rid);
        clearTimeout(timers.liveness);
        clearTimeout(timers.deadline);
        signal.removeEventListener("abort", onAbort);
        // Why after the chain: a notification relayed during the call precedes its answer.
        void wait.chain.then(() =>
          "value" in outcome ? resolve(outcome.value) : reject(outcome.error)
        );
      },
      alive() {
        clearTimeout(timers.liveness);
        timers.liveness = setTimeout(() => wait.giveUp(lost(request.upstream)), 3 * heartbeatMs);
      },
      giveUp(error) {
        if (waiting.get(rid) === wait) void send(holder, { kind: "cancel", rid }).catch(() => {});
        wait.settle({ error });
      },
    };
    const limitMs = request.timeoutMs + GRACE_MS;
    timers.deadline = setTimeout(() => wait.giveUp(timedOut(request.upstream, limitMs)), limitMs);
    signal.addEventListener("abort", onAbort, { once: true });
    waiting.set(rid, wait);
    wait.alive();
    const message = {
      kind: "resume",
      from: instance,
      rid,
      request,
      downstream: travelling(downstream),
    };
    send(holder, message).then(
      (takers) => takers === 0 && wait.settle({ error: lost(request.upstream) }),
      (error) => {
        logger.warn("Cannot forward a parked call's retry to its instance", { error });
        wait.settle({ error: unreachable(request.upstream) });
      },
    );
    return promise;
  }

  const stop = subscribeUntilTaken(redis, inbox(instance), {
    receive,
    logger,
    labels: {
      listening: "Listening for parked-call retries from other instances",
      retrying: "Cannot subscribe to parked-call retries yet",
    },
  });

  return {
    instance,
    serve(upstream, resume) {
      handlers.set(upstream, resume);
      return () => {
        if (handlers.get(upstream) === resume) handlers.delete(upstream);
      };
    },
    resume: forward,
    close() {
      stop();
      const closing = new GatewayError("CANCELLED", "Gateway closing: resumed call abandoned");
      for (const controller of serving.values()) controller.abort(closing);
      for (const wait of waiting.values()) wait.giveUp(closing);
      closed = true;
    },
  };
}

/** What of the client's retry travels to the holder: everything but the functions. */
function travelling(downstream: DownstreamCall): Record<string, unknown> {
  const { notify: _notify, log: _log, ...fields } = downstream;
  return fields;
}

function errorToWire(error: unknown, logger: Logger): Record<string, unknown> {
  if (isGatewayError(error)) {
    return {
      gateway: error.code,
      message: error.message,
      ...(error.data === undefined ? {} : { data: error.data }),
      ...(error.relayed === undefined ? {} : { relayed: error.relayed }),
    };
  }
  logger.debug("A resumed call failed", { error });
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return {
    ...(typeof code === "number" || typeof code === "string" ? { code } : {}),
    message: typeof message === "string" ? message : String(error),
  };
}

/** The holder's error as the relay would have raised it here: same code, message and relayed answer. */
function errorFromWire(wire: unknown): Error {
  const fields = (wire ?? {}) as Record<string, unknown>;
  const message = typeof fields.message === "string" ? fields.message : "Resumed call failed";
  if (typeof fields.gateway === "string") {
    return new GatewayError(fields.gateway as GatewayError["code"], message, {
      ...(fields.data === undefined ? {} : { data: fields.data as Record<string, unknown> }),
      ...(fields.relayed === undefined
        ? {}
        : { relayed: fields.relayed as NonNullable<GatewayError["relayed"]> }),
    });
  }
  // Why a plain error with the code: the backend classifies it as it would a local SDK error.
  return Object.assign(new Error(message), fields.code === undefined ? {} : { code: fields.code });
}

function notWaiting(upstream: string): GatewayError {
  return new GatewayError(
    "INVALID_PARAMS",
    `Cannot resume the call to upstream "${upstream}": it is no longer waiting for input; ` +
      "call the tool again",
  );
}

// Why INVALID_PARAMS, as for an expired parked call: the state the retry names is gone for good,
// and a lost instance is not the upstream's failure (its circuit breaker must not count it).
function lost(upstream: string): GatewayError {
  return new GatewayError(
    "INVALID_PARAMS",
    `Cannot resume the call to upstream "${upstream}": it was lost with the gateway instance ` +
      "that held it; call the tool again",
  );
}

function unreachable(upstream: string): GatewayError {
  return new GatewayError(
    "UPSTREAM_UNAVAILABLE",
    `Cannot resume the call to upstream "${upstream}": the gateway instance holding it cannot be ` +
      "reached (Redis failed); call the tool again",
  );
}

function timedOut(upstream: string, ms: number): GatewayError {
  return new GatewayError(
    "UPSTREAM_TIMEOUT",
    `Upstream "${upstream}" did not answer the resumed call within ${ms} ms`,
  );
}
