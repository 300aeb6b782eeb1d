/** What every backend receives besides the tool and its arguments, and what it answers with. */

import type { OutboundAuth } from "../credentials/mod.ts";
import type { UpstreamReply } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { DownstreamCall, ToolResult } from "../registry/types.ts";
import type { DatabasePools } from "./sql/pools.ts";

/** Per-call options for {@linkcode executeTool}. */
export interface ExecuteOptions {
  /** Client cancellation; combined with the tool's own timeout. */
  signal: AbortSignal;
  /** The call's logger (the backend adds `tool` and `backend` fields). */
  logger: Logger;
  /** Allowlist of URL origins (`https://host:port` as `URL.origin` gives) declared by the registry. */
  egressOrigins: ReadonlySet<string>;
  /** Injectable for tests; defaults to `globalThis.fetch`. */
  fetch?: typeof fetch;
  /**
   * The tool's credential, from the credential stage: injected into the HTTP request as it is
   * built, and its secrets redacted from the result and from error messages.
   */
  outboundAuth?: OutboundAuth;
  /** The configured databases SQL tools run on; absent: SQL tools fail as not configured. */
  databases?: DatabasePools;
  /** The caller's principal id: an upstream with `perClient: true` runs one child per principal. */
  principal?: string;
  /**
   * The calling MCP client, for a federated tool's progress, log messages and server-to-client
   * requests; absent: they are not relayed (stdio serving, `nexus tools test`).
   */
  downstream?: DownstreamCall;
  /**
   * Checks the outcome (or the failure) once the backend is done, before the caller sees it;
   * {@linkcode executeTool} applies it (absent: nothing checked).
   */
  check?: OutcomeCheck;
}

/**
 * What a call's outcome passes through once its backend is done: `answered` returns the outcome
 * (or throws), `failed` throws. An object, not two closures: an HTTP tool's single request applies
 * it in the handler that reads the upstream's answer, so nothing of it waits per call in flight
 * but the object itself (heap per call).
 */
export interface OutcomeCheck {
  /** The outcome as the caller gets it; throws to fail the call instead. */
  answered(outcome: CallOutcome): CallOutcome;
  /** Throws what the caller gets for `error`. */
  failed(error: unknown): never;
}

/** `outcome` through `check` (absent: as it is). */
export function throughCheck(
  outcome: Promise<CallOutcome>,
  check: OutcomeCheck | undefined,
): Promise<CallOutcome> {
  if (check === undefined) return outcome;
  return outcome.then((done) => check.answered(done), (error) => check.failed(error));
}

/**
 * What a call came back with: the tool result and, for an HTTP backend, what the upstream
 * answered (status and headers, e.g. quota headers). A failed call throws a `GatewayError`
 * instead, whose `upstream` holds the same when the upstream answered (an HTTP 500).
 */
export interface CallOutcome {
  /** The result for the client. */
  readonly result: ToolResult;
  /** What the HTTP upstream answered; absent for in-process backends. */
  readonly upstream?: UpstreamReply;
}
