/**
 * What an HTTP tool's failed call tells the client: a deadline as UPSTREAM_TIMEOUT or CANCELLED,
 * anything else that is not already a `GatewayError` as UPSTREAM_UNAVAILABLE with a fixed phrase for
 * its network reason, and what the upstream answered when it did.
 */

import { GatewayError, isGatewayError, type UpstreamReply } from "../../errors.ts";
import { type Deadline, deadlineError } from "../deadline.ts";
import { describeTarget } from "./fetch.ts";
import type { UpstreamRequest } from "./request.ts";

/** `error` carrying what the upstream answered, when it answered and the error does not say. */
export function withUpstream(
  error: GatewayError,
  upstream: UpstreamReply | undefined,
): GatewayError {
  if (upstream === undefined || error.upstream !== undefined) return error;
  return new GatewayError(error.code, error.message, {
    ...(error.data === undefined ? {} : { data: error.data }),
    cause: error.cause,
    upstream,
  });
}

/** The client's error for a failure of the call to `context.request`. */
export function classifyFailure(
  error: unknown,
  context: { deadline: Deadline; request: UpstreamRequest; timeoutMs: number },
): GatewayError {
  if (isGatewayError(error)) return error;
  const target = describeTarget(context.request.method, context.request.url);
  const ended = deadlineError(context.deadline, () =>
    new GatewayError(
      "UPSTREAM_TIMEOUT",
      `Upstream did not answer within ${context.timeoutMs} ms: ${target}`,
      { data: { timeoutMs: context.timeoutMs } },
    ));
  if (ended !== undefined) return ended;
  // Why: fetch's own message embeds the full URL, query string included, which may carry secrets;
  // only a fixed phrase picked from it reaches the caller.
  return new GatewayError(
    "UPSTREAM_UNAVAILABLE",
    `Cannot reach upstream: ${target}: ${networkReason(error)}`,
  );
}

const NETWORK_REASONS: ReadonlyArray<[RegExp, string]> = [
  [/connection refused/i, "connection refused"],
  [
    /dns error|failed to lookup address|name or service not known|no such host/i,
    "DNS lookup failed",
  ],
  [/connection reset|broken pipe/i, "connection reset"],
  [/connection closed|unexpected eof|incomplete message/i, "connection closed early"],
  [/certificate|tls|ssl|handshake/i, "TLS handshake failed"],
  [/timed out/i, "connection timed out"],
  [/unreachable/i, "network unreachable"],
  [/are blocked/i, "port is blocked by the runtime"],
];

function networkReason(error: unknown): string {
  const text = causeChainText(error);
  const match = NETWORK_REASONS.find(([pattern]) => pattern.test(text));
  return match?.[1] ?? "network error";
}

function causeChainText(error: unknown): string {
  const messages: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth++) {
    messages.push(current instanceof Error ? current.message : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return messages.join(" | ");
}
