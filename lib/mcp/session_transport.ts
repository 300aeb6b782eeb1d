/**
 * The Streamable HTTP transport of one 2025 session's server on this instance, which knows what a
 * client message needs to find its way between instances:
 *
 * - every request the server sends the client (`elicitation/create`, …) gets an id tagged with
 *   this instance (`nx-<instance>-<n>`), so the client's answer, wherever it lands, names the
 *   instance whose call waits for it (and two instances' servers of one session, each counting
 *   from 0, can never take each other's answer);
 * - the ids of the client requests in flight here are kept, so a `notifications/cancelled` that
 *   lands elsewhere is delivered by the one instance serving that request.
 *
 * Also here: the replay that rebuilds a session's server on an instance that never saw it, and the
 * delivery of messages another instance received.
 */

import {
  type AuthInfo,
  isJSONRPCErrorResponse,
  isJSONRPCNotification,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  type JSONRPCMessage,
  WebStandardStreamableHTTPServerTransport,
} from "@modelcontextprotocol/server";
import type { Logger } from "../log.ts";

const TAG_PREFIX = "nx-";

/** A session transport tagging the server's requests with `tag` (see the module doc). */
export class SessionTransport extends WebStandardStreamableHTTPServerTransport {
  /** Client request ids this transport serves now. */
  readonly serving = new Set<string | number>();
  readonly #tag: string;

  constructor(
    options: ConstructorParameters<typeof WebStandardStreamableHTTPServerTransport>[0] & {
      instance: string;
    },
  ) {
    const { instance, ...rest } = options;
    super(rest);
    this.#tag = `${TAG_PREFIX}${instance}-`;
  }

  override send(
    message: JSONRPCMessage,
    options?: Parameters<WebStandardStreamableHTTPServerTransport["send"]>[1],
  ): Promise<void> {
    if (isJSONRPCRequest(message)) {
      return super.send({ ...message, id: `${this.#tag}${message.id}` }, options);
    }
    if (isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message)) {
      if (message.id !== undefined) this.serving.delete(message.id);
    } else if (isCancel(message)) {
      // Why: the server cancels its own request by the id it knows; the client knows the tagged one.
      const params = { ...message.params, requestId: `${this.#tag}${message.params.requestId}` };
      return super.send({ ...message, params } as JSONRPCMessage, options);
    }
    return super.send(message, options);
  }

  /**
   * Splits a client's messages: those this transport takes (its own answers, untagged again; its
   * calls' cancellations; any request or other notification when `local`) and those another
   * instance's server waits for. Records the requests taken as served here.
   */
  route(messages: readonly unknown[], local: boolean): { mine: unknown[]; others: unknown[] } {
    const mine: unknown[] = [];
    const others: unknown[] = [];
    for (const message of messages) {
      const taken = this.take(message, local);
      if (taken === undefined) others.push(message);
      else mine.push(taken);
    }
    return { mine, others };
  }

  private take(message: unknown, local: boolean): unknown {
    const answered = answerId(message);
    if (answered !== undefined) {
      if (!answered.startsWith(this.#tag)) return undefined;
      const own = answered.slice(this.#tag.length);
      return { ...(message as object), id: /^\d+$/.test(own) ? Number(own) : own };
    }
    const cancelled = cancelledId(message);
    if (cancelled !== undefined) return this.serving.has(cancelled) ? message : undefined;
    if (!local) return undefined;
    const id = (message as { id?: unknown }).id;
    if (isJSONRPCRequest(message) && (typeof id === "string" || typeof id === "number")) {
      this.serving.add(id);
    }
    return message;
  }
}

/**
 * Splits messages for an instance without the session's server: answers to another instance's
 * requests and cancellations go to the others; the rest is `mine` (the server is rebuilt here).
 */
export function routeWithoutServer(messages: readonly unknown[]): {
  mine: unknown[];
  others: unknown[];
} {
  const mine: unknown[] = [];
  const others: unknown[] = [];
  for (const message of messages) {
    const answered = answerId(message);
    const foreign = (answered !== undefined && answered.startsWith(TAG_PREFIX)) ||
      cancelledId(message) !== undefined;
    (foreign ? others : mine).push(message);
  }
  return { mine, others };
}

/** The id of an answer (result or error) to a server request, as a string; else undefined. */
function answerId(message: unknown): string | undefined {
  if (typeof message !== "object" || message === null || "method" in message) return undefined;
  const id = (message as { id?: unknown }).id;
  return typeof id === "string" || typeof id === "number" ? String(id) : undefined;
}

function cancelledId(message: unknown): string | number | undefined {
  if (!isJSONRPCNotification(message) || message.method !== "notifications/cancelled") {
    return undefined;
  }
  const id = (message.params as { requestId?: unknown } | undefined)?.requestId;
  return typeof id === "string" || typeof id === "number" ? id : undefined;
}

function isCancel(
  message: JSONRPCMessage,
): message is JSONRPCMessage & { params: { requestId: string | number } } {
  return cancelledId(message) !== undefined;
}

/** Replays the session's `initialize` into a rebuilt server, so it knows the client as before. */
export async function replayInitialize(
  session: { id: string; transport: SessionTransport },
  initialize: Record<string, unknown>,
  authInfo: AuthInfo,
): Promise<void> {
  const request = {
    jsonrpc: "2.0",
    id: "nexus-replay",
    method: "initialize",
    params: initialize,
  };
  const answered = await session.transport.handleRequest(innerRequest(session.id), {
    authInfo,
    parsedBody: request,
  });
  await answered.text();
  const initialized = { jsonrpc: "2.0", method: "notifications/initialized" };
  await (await session.transport.handleRequest(innerRequest(session.id), {
    authInfo,
    parsedBody: initialized,
  })).body?.cancel();
}

/** Hands messages another instance received to this instance's server of the session. */
export async function deliver(
  session: { id: string; transport: SessionTransport },
  messages: unknown[],
  logger: Logger,
): Promise<void> {
  try {
    const response = await session.transport.handleRequest(innerRequest(session.id), {
      parsedBody: messages.length === 1 ? messages[0] : messages,
    });
    await response.body?.cancel();
  } catch (error) {
    logger.warn("Cannot deliver a session message from another instance", { error });
  }
}

/** A POST the gateway makes to its own session transport (a replay or a relayed message). */
function innerRequest(id: string): Request {
  return new Request("http://nexus.internal/mcp", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-session-id": id,
    },
  });
}
