/**
 * Executes one call of an in-process TypeScript tool under the tool's timeout and the client's
 * cancellation, and maps whatever the handler does to a result or a `GatewayError`.
 */

import type { Redactor } from "../../credentials/mod.ts";
import { GatewayError, isGatewayError } from "../../errors.ts";
import { debugStart } from "../../log.ts";
import type { TsBackendSpec } from "../../registry/types.ts";
import { createDeadline, type Deadline, deadlineError, raceSignal } from "../deadline.ts";
import type { CallOutcome, ExecuteOptions } from "../options.ts";
import { NO_REDACTION } from "../redact.ts";
import { normaliseResult } from "./normalise.ts";

const MAX_MESSAGE_CHARS = 1000;

/**
 * Runs the handler and normalises its return value; the outcome has no `upstream`.
 * @throws GatewayError UPSTREAM_TIMEOUT, CANCELLED, UPSTREAM_ERROR, or any GatewayError the
 * handler throws.
 */
export async function executeTs(
  spec: TsBackendSpec,
  args: Record<string, unknown>,
  options: ExecuteOptions,
): Promise<CallOutcome> {
  const deadline = createDeadline(options.signal, spec.timeoutMs);
  const started = debugStart(options.logger);
  let value: unknown;
  try {
    // Why: a call cancelled before it started never runs the handler.
    if (deadline.signal.aborted) throw deadline.signal.reason;
    value = spec.handler(args, { signal: deadline.signal });
    // Why only a promise is raced: a handler that answered synchronously has nothing left for the
    // deadline to cut short, and the race costs two promises and an abort listener per call.
    if (isThenable(value)) value = await raceSignal(Promise.resolve(value), deadline.signal);
  } catch (error) {
    throw classifyFailure(error, deadline, {
      timeoutMs: spec.timeoutMs,
      redact: options.outboundAuth?.redact ?? NO_REDACTION,
    });
  } finally {
    deadline.dispose();
    if (options.logger.debugging) {
      const ms = Math.round(performance.now() - started);
      options.logger.debug("Tool handler finished", { ms, aborted: deadline.signal.aborted });
    }
  }
  return { result: normaliseResult(value) };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === "object" || typeof value === "function") && value !== null &&
    typeof (value as { then?: unknown }).then === "function";
}

function classifyFailure(
  error: unknown,
  deadline: Deadline,
  options: { timeoutMs: number; redact: Redactor },
): GatewayError {
  const { timeoutMs, redact } = options;
  const ended = deadlineError(deadline, () =>
    new GatewayError(
      "UPSTREAM_TIMEOUT",
      `Tool handler did not finish within ${timeoutMs} ms`,
      { data: { timeoutMs } },
    ));
  if (ended !== undefined) return ended;
  if (isGatewayError(error)) return error;
  return new GatewayError(
    "UPSTREAM_ERROR",
    `Tool handler failed: ${handlerMessage(error, redact)}`,
    {
      cause: error,
    },
  );
}

// Why: the handler is the tool author's code and its message is written for the caller, but a
// stack trace pasted into a message (or a huge message) is not.
// Secrets are scrubbed from the whole message before it is cut, and from the cut edge after.
function handlerMessage(error: unknown, redact: Redactor): string {
  const raw = redact(error instanceof Error ? error.message : String(error));
  const lines = raw.split("\n").filter((line) => !/^\s*at\s/.test(line));
  const message = lines.join(" ").replace(/\s+/g, " ").trim();
  if (message === "") return error instanceof Error ? error.name : "unknown error";
  if (message.length <= MAX_MESSAGE_CHARS) return message;
  return `${redact.cut(message.slice(0, MAX_MESSAGE_CHARS))}…`;
}
