/**
 * Telling an upstream's JSON-RPC error apart from one the SDK client made up itself, so only the
 * upstream's own answer is relayed to the client verbatim.
 *
 * Why a mark: both are `ProtocolError`s with a numeric code. `Client.callTool` raises some of its
 * own after a result came back (an invalid `outputSchema`, structured content that does not match
 * it: -32602 and -32600), and relaying those would report an upstream's fault as the client's.
 * What comes out of `Client.request` with a numeric code is what the upstream answered (the SDK's
 * own failures there, timeouts, closed connections, invalid results, carry string codes), so
 * `markUpstreamAnswers` wraps `request` and marks those errors as they pass.
 */

import { GatewayError, type RelayedRpcError } from "../errors.ts";

/** The mark: a non-enumerable property, so the error prints and serialises as before. */
const ANSWERED = Symbol("nexus.upstreamAnswered");

/** What `markUpstreamAnswers` wraps: the SDK client's `request` (public API). */
interface Requesting {
  request: (...args: never[]) => Promise<unknown>;
}

/** Marks every JSON-RPC error the upstream answers `client`'s requests with; raises nothing. */
export function markUpstreamAnswers(client: Requesting): void {
  const request = client.request.bind(client) as (...args: unknown[]) => Promise<unknown>;
  client.request = ((...args: unknown[]) =>
    request(...args).catch((error: unknown) => {
      if (typeof error === "object" && error !== null && typeof codeOf(error) === "number") {
        Object.defineProperty(error, ANSWERED, { value: true });
      }
      throw error;
    })) as Requesting["request"];
}

/** The upstream's JSON-RPC error when `error` is one `markUpstreamAnswers` saw; raises nothing. */
export function upstreamAnswer(error: unknown): RelayedRpcError | undefined {
  if (typeof error !== "object" || error === null || !(ANSWERED in error)) return undefined;
  const { code, message, data } = error as unknown as {
    code: number;
    message?: unknown;
    data?: unknown;
  };
  return {
    code,
    message: typeof message === "string" ? message : "",
    ...(data === undefined ? {} : { data }),
  };
}

/**
 * `error` as the `UPSTREAM_REJECTED` GatewayError that relays it, when it is the upstream's
 * JSON-RPC answer; `error` itself otherwise. Raises nothing.
 */
export function relayUpstreamAnswer(error: unknown, upstream: string): unknown {
  const relayed = upstreamAnswer(error);
  if (relayed === undefined) return error;
  return new GatewayError(
    "UPSTREAM_REJECTED",
    `Upstream "${upstream}" answered with error ${relayed.code}: ${relayed.message}`,
    { relayed, cause: error },
  );
}

function codeOf(error: object): unknown {
  return (error as { code?: unknown }).code;
}
