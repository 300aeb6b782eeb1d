/**
 * Sending one prompt, resource or completion request to its upstream (admitted through the
 * upstream's breaker and gate), cleaning the upstream's result of its own identity, mapping its
 * failures, and the cache hint of a merged list.
 */

import {
  CLIENT_CAPABILITIES_META_KEY,
  LOG_LEVEL_META_KEY,
  ProtocolError,
  SERVER_INFO_META_KEY,
} from "@modelcontextprotocol/server";
import { createDeadline, deadlineError } from "../backends/mod.ts";
import { GatewayError, isGatewayError } from "../errors.ts";
import type { DownstreamCall, McpCallRelay } from "../registry/mod.ts";
import type { Client, ListHint, MergedCatalog } from "../upstreams/mod.ts";
import type { CatalogHandlerDeps } from "./catalog_handlers.ts";

type Options = { timeout: number; signal: AbortSignal };

/** Sends one request to `upstream` through its admission, mapping its failures. */
export async function relay<T>(
  deps: Pick<CatalogHandlerDeps, "catalog" | "era">,
  upstream: string,
  signal: AbortSignal,
  send: (client: Client, options: Options) => Promise<T>,
): Promise<T> {
  const finish = await deps.catalog.admit?.(upstream, signal);
  let outcome: "success" | "failure" | "ignored" = "success";
  try {
    const client = await deps.catalog.client(upstream);
    const result = await send(client, { timeout: deps.catalog.timeoutMs(upstream), signal });
    return ownResult(result, deps.era);
  } catch (error) {
    const relayed = relayedError(error, upstream);
    // Why: as for tool calls, only an upstream that cannot answer counts against its breaker;
    // a JSON-RPC error is an answer.
    if (signal.aborted) outcome = "ignored";
    else if (isGatewayError(relayed)) outcome = "failure";
    throw relayed;
  } finally {
    finish?.(outcome);
  }
}

/** The upstream's result without its identity stamp (the gateway stamps its own). */
function ownResult<T>(result: T, era: "legacy" | "modern"): T {
  if (typeof result !== "object" || result === null) return result;
  const { _meta, ...rest } = result as
    & { _meta?: Record<string, unknown> }
    & Record<string, unknown>;
  const out: Record<string, unknown> = rest;
  if (era === "legacy") {
    delete out.ttlMs;
    delete out.cacheScope;
    // Why keep input_required: the SDK's legacy shim turns it into requests on the 2025 client's
    // session, then calls the handler again with the answers.
    if (out.resultType !== "input_required") delete out.resultType;
  }
  if (_meta !== undefined && typeof _meta === "object") {
    const { [SERVER_INFO_META_KEY]: _, ...meta } = _meta;
    if (Object.keys(meta).length > 0) out._meta = meta;
  }
  return out as T;
}

/**
 * What a `prompts/get` or `resources/read` carries upstream for the input the upstream may ask
 * for (SEP-2322): the client's retry (`inputResponses`, the upstream's `requestState` as the client
 * echoed it; the upstream verifies its own state) and, to a 2026-07-28 upstream, the client's
 * capabilities and log level, so it asks only for what this client can answer.
 */
export function inputParams(
  client: Pick<Client, "getProtocolEra">,
  downstream: DownstreamCall,
): {
  inputResponses?: Record<string, unknown>;
  requestState?: string;
  _meta?: Record<string, unknown>;
} {
  const modern = client.getProtocolEra() === "modern";
  const meta = {
    ...(downstream.logLevel === undefined ? {} : { [LOG_LEVEL_META_KEY]: downstream.logLevel }),
    ...(downstream.capabilities === undefined
      ? {}
      : { [CLIENT_CAPABILITIES_META_KEY]: downstream.capabilities }),
  };
  return {
    ...(downstream.inputResponses === undefined
      ? {}
      : { inputResponses: downstream.inputResponses }),
    ...(downstream.requestState === undefined ? {} : { requestState: downstream.requestState }),
    ...(modern && Object.keys(meta).length > 0 ? { _meta: meta } : {}),
  };
}

/** The retry fields a relayed request carries upstream (the relay unwraps the client's state). */
export type RetryFields = Pick<DownstreamCall, "inputResponses" | "requestState">;

/**
 * Sends one `prompts/get` or `resources/read` to `upstream`: admitted and on its client through
 * its relay (`relayInput`), or, for a retry of a request parked on another gateway instance,
 * forwarded there with neither (as a tool call's retry: the holder's upstream connection serves
 * it), bounded by the upstream's timeout here.
 * @throws GatewayError UPSTREAM_UNAVAILABLE, UPSTREAM_TIMEOUT, CANCELLED, INVALID_PARAMS (a
 *   `requestState` not issued for this request), or the upstream's ProtocolError as it answered
 */
export async function relayRequest<T>(
  deps: Pick<CatalogHandlerDeps, "catalog" | "era">,
  target: { upstream: string; key: RelayKey; downstream: DownstreamCall; signal: AbortSignal },
  send: (client: Client, retry: RetryFields, options: Options) => Promise<T>,
): Promise<T> {
  const { upstream, key, downstream, signal } = target;
  const via = deps.catalog.relay?.(upstream);
  if (via?.forwardsElsewhere(downstream, relayTool(key)) === true) {
    return await forwardRetry(deps, target, via);
  }
  return await relay(
    deps,
    upstream,
    signal,
    (client, options) =>
      relayInput(
        via,
        downstream,
        { ...options, key },
        (retry, sent) => send(client, retry, { ...options, signal: sent }),
      ),
  );
}

/**
 * A retry forwarded to the instance holding its parked request. Why no admission and no client
 * here: the request runs on the holder's upstream connection, admitted there at its first leg
 * (as `lib/backends/mcp/execute.ts` does for tools); only the timeout bounds the wait here.
 */
async function forwardRetry<T>(
  deps: Pick<CatalogHandlerDeps, "catalog" | "era">,
  target: { upstream: string; key: RelayKey; downstream: DownstreamCall; signal: AbortSignal },
  via: McpCallRelay,
): Promise<T> {
  const { upstream, signal } = target;
  const timeout = deps.catalog.timeoutMs(upstream);
  const deadline = createDeadline(signal, timeout);
  try {
    const result = await relayInput(
      via,
      target.downstream,
      { timeout, signal: deadline.signal, key: target.key },
      () => Promise.reject(new GatewayError("INTERNAL", "A forwarded retry was sent from here")),
    );
    return ownResult(result as T, deps.era);
  } catch (error) {
    throw deadlineError(
      deadline,
      () =>
        new GatewayError(
          "UPSTREAM_TIMEOUT",
          `Upstream "${upstream}" did not answer within ${timeout} ms`,
        ),
    ) ?? relayedError(error, upstream);
  } finally {
    deadline.dispose();
  }
}

/**
 * Sends one `prompts/get` or `resources/read` through the upstream's relay when it has one, like a
 * tool call: a 2025 upstream's elicitation, sampling or roots request during it reaches the
 * calling client (parked and answered by the retry, or through a 2025 client's session), a
 * 2026-07-28 upstream's `input_required` goes out with its state wrapped (the spec lets
 * `tools/call`, `prompts/get` and `resources/read` answer `input_required`, no other request).
 * Without a relay, `send` gets the client's own retry fields. An upstream's JSON-RPC error stays a
 * ProtocolError (an answer, not a failure).
 */
async function relayInput<T>(
  via: McpCallRelay | undefined,
  downstream: DownstreamCall,
  options: Options & { key: RelayKey },
  send: (retry: RetryFields, signal: AbortSignal) => Promise<T>,
): Promise<T> {
  if (via === undefined) {
    const { inputResponses, requestState } = downstream;
    return await send({ inputResponses, requestState }, options.signal);
  }
  try {
    return await via.call(
      downstream,
      { tool: relayTool(options.key), signal: options.signal, timeoutMs: options.timeout },
      (extra) =>
        send(
          { inputResponses: extra.inputResponses, requestState: extra.requestState },
          extra.signal,
        ),
    ) as T;
  } catch (error) {
    const relayed = isGatewayError(error) ? error.relayed : undefined;
    if (relayed === undefined) throw error;
    throw ProtocolError.fromError(relayed.code, relayed.message, relayed.data);
  }
}

/** What a relayed request's `requestState` is bound to: the method and the prompt name or URI. */
export type RelayKey = { method: "prompts/get" | "resources/read"; name: string };

/** The relay's `tool` for `key`. */
function relayTool(key: RelayKey): string {
  // Why a key no tool can have (a space is never in a tool name): a tool's requestState must
  // not resume a prompt or a read, a prompt's not a read, nor one prompt's or URI's another's.
  return `${key.method} ${key.name}`;
}

/** An upstream's JSON-RPC error passes through as it was; a broken connection is UPSTREAM_*. */
export function relayedError(error: unknown, upstream: string): Error {
  if (isGatewayError(error) || error instanceof ProtocolError) return error as Error;
  const { code, message, data } = error as { code?: unknown; message?: unknown; data?: unknown };
  const text = typeof message === "string" ? message : String(error);
  if (typeof code === "number") return new ProtocolError(code, text, data);
  if (code === "REQUEST_TIMEOUT") {
    return new GatewayError("UPSTREAM_TIMEOUT", `Upstream "${upstream}" did not answer: ${text}`);
  }
  return new GatewayError("UPSTREAM_UNAVAILABLE", `Upstream "${upstream}" failed: ${text}`, {
    cause: error,
  });
}

/**
 * The cache hint of a merged list: the smallest TTL of the gateway's own and of every upstream
 * that sent one for that list; `private` wins (the gateway's own lists are private, as what a
 * caller sees depends on who it is).
 */
export function mergedHint(
  catalog: MergedCatalog,
  list: "prompts" | "resources" | "templates",
  ownTtlMs: number,
): Required<ListHint> {
  let ttlMs = ownTtlMs;
  for (const hints of catalog.hints.values()) {
    const ttl = hints[list]?.ttlMs;
    if (ttl !== undefined && ttl < ttlMs) ttlMs = ttl;
  }
  return { ttlMs, cacheScope: "private" };
}
