/**
 * The one log exit: structured JSON lines on stderr (stdout belongs to the stdio transport).
 *
 * Redaction happens here: `Secret` values print as `[redacted]` through their own `toJSON`, keys
 * that name credentials are masked, and an `Error`'s cause chain is flattened to messages.
 */

import { AsyncLocalStorage } from "node:async_hooks";
import { isSensitiveKey, REDACTED_TEXT } from "./secret.ts";

/** Log severities, lowest first. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** Fields attached to one log record. */
export type LogFields = Record<string, unknown>;

/** A structured logger; `child` adds fields to every record it writes. */
export interface Logger {
  /** Writes a diagnostic record, dropped unless the logger's level is `debug`. */
  debug(message: string, fields?: LogFields): void;
  /** Writes a record about normal operation (the default minimum level). */
  info(message: string, fields?: LogFields): void;
  /** Writes a record about something degraded that the gateway recovered from. */
  warn(message: string, fields?: LogFields): void;
  /** Writes a record about a failure; never throws, even when stderr is closed. */
  error(message: string, fields?: LogFields): void;
  /** Returns a logger at the same level and sink whose records all carry `fields` as well. */
  child(fields: LogFields): Logger;
  /** Whether `debug` writes: a hot path skips building a debug record's fields when not. */
  readonly debugging: boolean;
}

/**
 * The request a piece of work runs for: every log line written inside it carries `requestId` and
 * `traceId`, and outbound HTTP requests made inside it carry `traceparent` (W3C Trace Context).
 */
export interface RequestContext {
  /** The gateway's id for the request (a UUID); also the call's id in audit rows. */
  readonly requestId: string;
  /** The W3C trace id (32 hex): the client's from its `traceparent`, else a new one. */
  readonly traceId: string;
  /** The `traceparent` to send onwards: this trace, with this request's own span id as parent. */
  readonly traceparent: string;
}

// Why AsyncLocalStorage: a request's log lines come from every layer (HTTP, SDK handlers, the
// call pipeline, backends); threading ids through each signature would touch every one of them.
const requestContexts = new AsyncLocalStorage<RequestContext>();

/** Runs `work` inside `context`: what it logs, and what it sends over HTTP, carries the ids. */
export function runWithRequestContext<T>(context: RequestContext, work: () => T): T {
  return requestContexts.run(context, work);
}

/** The request the current work runs for; undefined outside any request (startup, timers). */
export function currentRequestContext(): RequestContext | undefined {
  return requestContexts.getStore();
}

/** Sets `traceparent` on outbound `headers` inside a request, unless the headers set one. */
export function propagateTrace(headers: Headers): void {
  const context = requestContexts.getStore();
  if (context !== undefined && !headers.has("traceparent")) {
    headers.set("traceparent", context.traceparent);
  }
}

/** Where log lines go; tests pass an array sink. */
export type LogSink = (line: string) => void;

const LEVEL_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const encoder = new TextEncoder();

/** Creates a logger writing JSON lines at or above `level` to `sink` (default: stderr). */
export function createLogger(
  options: { level?: LogLevel; sink?: LogSink; fields?: LogFields } = {},
): Logger {
  const minRank = LEVEL_RANK[options.level ?? "info"];
  const sink = options.sink ?? writeStderr;
  const base = options.fields ?? {};
  function write(level: LogLevel, message: string, fields?: LogFields): void {
    if (LEVEL_RANK[level] < minRank) return;
    const context = requestContexts.getStore();
    const record = {
      time: new Date().toISOString(),
      level,
      msg: message,
      ...(context === undefined ? {} : { requestId: context.requestId, traceId: context.traceId }),
      ...base,
      ...fields,
    };
    sink(escapeC1(JSON.stringify(record, redactReplacer)));
  }
  return {
    debug: (message, fields) => write("debug", message, fields),
    info: (message, fields) => write("info", message, fields),
    warn: (message, fields) => write("warn", message, fields),
    error: (message, fields) => write("error", message, fields),
    child: (fields) => createLogger({ ...options, fields: { ...base, ...fields } }),
    debugging: LEVEL_RANK.debug >= minRank,
  };
}

/**
 * `performance.now()` when `logger` writes debug records, else 0: the start of a duration only a
 * debug line reports, so a hot path takes no clock reading for it while debug is off.
 */
export function debugStart(logger: Logger): number {
  return logger.debugging ? performance.now() : 0;
}

/** A logger that drops everything, for library callers that pass none. */
export const silentLogger: Logger = createLogger({ sink: () => {} });

// Why: JSON escapes C0 controls but not DEL and C1 (U+009B starts an ANSI sequence on many
// terminals), and log lines quote names clients chose; `\u009b` is still valid JSON.
const C1_CONTROL = /[\u007f-\u009f]/g;

function escapeC1(line: string): string {
  return line.replace(
    C1_CONTROL,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

function redactReplacer(key: string, value: unknown): unknown {
  if (key !== "" && isSensitiveKey(key) && typeof value === "string") return REDACTED_TEXT;
  if (value instanceof Error) return describeError(value);
  return value;
}

function describeError(error: Error): Record<string, unknown> {
  const described: Record<string, unknown> = { name: error.name, message: error.message };
  if ("code" in error) described.code = error.code;
  if (error.cause !== undefined) {
    described.cause = error.cause instanceof Error
      ? describeError(error.cause)
      : String(error.cause);
  }
  return described;
}

function writeStderr(line: string): void {
  try {
    Deno.stderr.writeSync(encoder.encode(line + "\n"));
  } catch {
    // Why: a closed stderr must never take a request down with it.
  }
}
