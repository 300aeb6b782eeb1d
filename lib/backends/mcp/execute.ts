/**
 * Executes one call of a federated tool: `tools/call` on the upstream's client with the tool's
 * upstream name, under the upstream's timeout and the client's cancellation. The upstream's result
 * (`isError`, `structuredContent`, `_meta`, any content type) comes back untouched.
 */

import type { Redactor } from "../../credentials/mod.ts";
import { GatewayError, isGatewayError } from "../../errors.ts";
import type {
  DownstreamCall,
  McpBackendSpec,
  McpCallClient,
  McpCallRelay,
  ToolResult,
} from "../../registry/types.ts";
import { createDeadline, type Deadline, deadlineError } from "../deadline.ts";
import type { CallOutcome, ExecuteOptions } from "../options.ts";
import { NO_REDACTION } from "../redact.ts";

const MAX_MESSAGE_CHARS = 1000;
/** Codes that count against the upstream's circuit breaker; `isError` results never do. */
const BREAKER_FAILURES: readonly string[] = ["UPSTREAM_UNAVAILABLE", "UPSTREAM_TIMEOUT"];

/**
 * Calls the upstream tool; the outcome has no `upstream` reply (MCP carries no HTTP status).
 * @throws GatewayError UPSTREAM_UNAVAILABLE (no connection, circuit open, `maxConcurrent` reached
 * and the queue full or waited on too long),
 * UPSTREAM_REJECTED (the upstream's JSON-RPC error, relayed as it was, when the call ran through
 * the upstream's relay), UPSTREAM_ERROR (a JSON-RPC error without the relay, or a malformed
 * result), UPSTREAM_TIMEOUT or CANCELLED.
 */
export async function executeMcp(
  spec: McpBackendSpec,
  args: Record<string, unknown>,
  options: ExecuteOptions,
): Promise<CallOutcome> {
  const downstream = options.downstream;
  if (downstream !== undefined && spec.relay?.forwardsElsewhere(downstream, spec.tool)) {
    return await forwardRetry(spec, { relay: spec.relay, downstream, options });
  }
  const finish = spec.admit === undefined ? undefined : await spec.admit(options.signal);
  let outcome: "success" | "failure" | "ignored" = "success";
  const deadline = createDeadline(options.signal, spec.timeoutMs);
  const redact = options.outboundAuth?.redact ?? NO_REDACTION;
  try {
    // Why before the relay: a connect started inside a call's context would tie the connection's
    // own streams (a 2025 GET stream, a stdio pipe) to that call.
    const client = await spec.client(options.principal ? { principal: options.principal } : {});
    const result = await send(client, spec, args, { options, signal: deadline.signal });
    return { result: checkResult(result, spec) };
  } catch (error) {
    const failure = classifyFailure(error, deadline, { spec, redact });
    outcome = BREAKER_FAILURES.includes(failure.code) ? "failure" : "ignored";
    // Why: a JSON-RPC error or a malformed result is the upstream answering, not failing.
    if (failure.code === "UPSTREAM_ERROR" || failure.code === "UPSTREAM_REJECTED") {
      outcome = "success";
    }
    throw failure;
  } finally {
    deadline.dispose();
    finish?.(outcome);
  }
}

/**
 * A retry of a call parked on another gateway instance, forwarded there by the relay, under the
 * same deadline. Why no admission and no client: the call runs on the holder's upstream
 * connection, admitted there at its first leg; this instance's slot and breaker must neither
 * refuse nor count it, and its upstream must not be started (lazy, per-client) just to forward.
 */
async function forwardRetry(
  spec: McpBackendSpec,
  call: { relay: McpCallRelay; downstream: DownstreamCall; options: ExecuteOptions },
): Promise<CallOutcome> {
  const deadline = createDeadline(call.options.signal, spec.timeoutMs);
  try {
    const result = await call.relay.call(
      call.downstream,
      { tool: spec.tool, signal: deadline.signal, timeoutMs: spec.timeoutMs },
      () => Promise.reject(new GatewayError("INTERNAL", "A forwarded retry was sent from here")),
    );
    return { result: checkResult(result, spec) };
  } catch (error) {
    const redact = call.options.outboundAuth?.redact ?? NO_REDACTION;
    throw classifyFailure(error, deadline, { spec, redact });
  } finally {
    deadline.dispose();
  }
}

/**
 * Sends `tools/call`: through the upstream's relay when the client is known (progress, logs,
 * input requests reach it), plainly otherwise. The upstream's progress is forwarded only to a
 * client that asked for it (`_meta.progressToken`).
 */
function send(
  client: McpCallClient,
  spec: McpBackendSpec,
  args: Record<string, unknown>,
  call: { options: ExecuteOptions; signal: AbortSignal },
): Promise<unknown> {
  const downstream = call.options.downstream;
  // Why: the deadline owns the timeout; the SDK's own (60 s default) must never fire first.
  const timeout = spec.timeoutMs + 1000;
  if (downstream === undefined || spec.relay === undefined) {
    return client.callTool({ name: spec.tool, arguments: args }, { signal: call.signal, timeout });
  }
  return spec.relay.call(
    downstream,
    { tool: spec.tool, signal: call.signal, timeoutMs: spec.timeoutMs },
    ({ signal, progressToken, inputResponses, requestState }) =>
      client.callTool({
        name: spec.tool,
        arguments: args,
        ...(inputResponses === undefined ? {} : { inputResponses }),
        ...(requestState === undefined ? {} : { requestState }),
        ...(downstream.task !== undefined && takesTasks(client) ? { task: downstream.task } : {}),
        ...metaOf(progressToken, client.getProtocolEra?.() === "modern" ? downstream : undefined),
      }, {
        signal,
        timeout,
        // Why manual: input the upstream asks for goes to the calling client, never answered here.
        allowInputRequired: true,
      }),
  );
}

/** Whether `client`'s upstream is 2025-era and declared 2025-11-25 tasks for `tools/call`. */
function takesTasks(client: McpCallClient): boolean {
  if (client.getProtocolEra?.() !== "legacy") return false;
  const tasks = client.getServerCapabilities?.()?.tasks as
    | { requests?: { tools?: { call?: unknown } } }
    | undefined;
  return typeof tasks?.requests?.tools?.call === "object";
}

/**
 * The request's `_meta`: the relay's progress token, and for a 2026-07-28 upstream (`envelope`
 * given) the client's log level and its elicitation, sampling and roots capabilities. A 2025
 * upstream gets no envelope keys: its traffic stays as a 2025 client's, and it learnt the
 * gateway's capabilities at `initialize`.
 */
function metaOf(
  progressToken: string | undefined,
  envelope: DownstreamCall | undefined,
): { _meta?: Record<string, unknown> } {
  const meta = {
    ...(progressToken === undefined ? {} : { progressToken }),
    ...(envelope?.logLevel === undefined ? {} : { [LOG_LEVEL_KEY]: envelope.logLevel }),
    ...(envelope?.capabilities === undefined ? {} : { [CAPABILITIES_KEY]: envelope.capabilities }),
  };
  return Object.keys(meta).length === 0 ? {} : { _meta: meta };
}

/** The 2026-07-28 envelope key naming the log level the client wants. */
const LOG_LEVEL_KEY = "io.modelcontextprotocol/logLevel";
/** The 2026-07-28 envelope key holding the client's capabilities. */
const CAPABILITIES_KEY = "io.modelcontextprotocol/clientCapabilities";

/** Per-hop envelope keys of a 2026-07-28 result: they describe the upstream, not the tool. */
const HOP_META_KEYS = ["io.modelcontextprotocol/serverInfo"];

// Why a cast after a shape check only: the result is the upstream's, passed through untouched
// (but for the per-hop envelope); the SDK client has already validated it against the schema.
function checkResult(value: unknown, spec: McpBackendSpec): ToolResult {
  const content = (value as { content?: unknown } | null)?.content;
  const inputRequired = (value as { resultType?: unknown } | null)?.resultType === "input_required";
  if (typeof value === "object" && value !== null && (Array.isArray(content) || inputRequired)) {
    return withoutHopMeta(value as ToolResult & { _meta?: Record<string, unknown> });
  }
  throw new GatewayError(
    "UPSTREAM_ERROR",
    `Upstream "${spec.upstream}" answered tools/call without a content list`,
  );
}

function withoutHopMeta(
  result: ToolResult & { _meta?: Record<string, unknown> },
): ToolResult {
  const meta = result._meta;
  if (meta === undefined || !HOP_META_KEYS.some((key) => key in meta)) return result;
  const kept = Object.fromEntries(
    Object.entries(meta).filter(([key]) => !HOP_META_KEYS.includes(key)),
  );
  const { _meta: _dropped, ...rest } = result;
  return Object.keys(kept).length === 0 ? rest : { ...rest, _meta: kept } as ToolResult;
}

function classifyFailure(
  error: unknown,
  deadline: Deadline,
  options: { spec: McpBackendSpec; redact: Redactor },
): GatewayError {
  const { spec, redact } = options;
  const ended = deadlineError(deadline, () =>
    new GatewayError(
      "UPSTREAM_TIMEOUT",
      `Upstream "${spec.upstream}" did not answer within ${spec.timeoutMs} ms`,
      { data: { timeoutMs: spec.timeoutMs } },
    ));
  if (ended !== undefined) return ended;
  if (isGatewayError(error)) return error.relayed === undefined ? error : scrubbed(error, redact);
  const text = messageOf(error, redact);
  // Why: a numeric code is a JSON-RPC error the upstream answered; anything else (SDK string
  // codes, fetch failures) means the upstream could not be reached or the connection broke.
  if (typeof (error as { code?: unknown } | null)?.code === "number") {
    return new GatewayError("UPSTREAM_ERROR", `Upstream "${spec.upstream}" failed: ${text}`, {
      cause: error,
    });
  }
  return new GatewayError(
    "UPSTREAM_UNAVAILABLE",
    `Upstream "${spec.upstream}" is unavailable: ${text}`,
    { cause: error },
  );
}

/**
 * A relayed upstream error with any credential the upstream echoed scrubbed from its message; its
 * data is dropped when it holds one (it is structured, so it cannot be cut).
 */
function scrubbed(error: GatewayError, redact: Redactor): GatewayError {
  const relayed = error.relayed!;
  const data = JSON.stringify(relayed.data ?? null);
  if (!redact.matches(relayed.message) && !redact.matches(data)) return error;
  return new GatewayError(error.code, redact(error.message), {
    cause: error.cause,
    relayed: {
      code: relayed.code,
      message: redact(relayed.message),
      ...(redact.matches(data) ? {} : { data: relayed.data }),
    },
  });
}

function messageOf(error: unknown, redact: Redactor): string {
  const raw = redact(error instanceof Error ? error.message : String(error));
  const message = raw.replace(/\s+/g, " ").trim() || "unknown error";
  if (message.length <= MAX_MESSAGE_CHARS) return message;
  return `${redact.cut(message.slice(0, MAX_MESSAGE_CHARS))}…`;
}
