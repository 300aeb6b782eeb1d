/**
 * Spans through Deno's built-in OpenTelemetry (`OTEL_DENO=true`): `npm:@opentelemetry/api` is
 * backed by the runtime's tracer, context manager and OTLP exporter, so nothing here exports.
 *
 * Why a small interface over the API: callers get `undefined` instead of a span when there is no
 * recording parent, so a stage never starts a trace of its own, and the gateway builds no
 * `Tracing` at all when tracing is off (no span objects, no context switches).
 */

import {
  type Attributes,
  type Context,
  context,
  type Link,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
} from "@opentelemetry/api";

/** Attribute values the gateway records: names, codes and counts, never argument values. */
export type SpanAttributes = Record<string, string | number | boolean>;

/** One started span; every method is safe to call after `end()` (it does nothing then). */
export interface TraceSpan {
  /** Runs `work` with this span as the active one (children and outbound HTTP hang below it). */
  within<T>(work: () => T): T;
  /** Runs `work` with this span's parent as the active one again (the next stage is a sibling). */
  outside<T>(work: () => T): T;
  /** Adds attributes. */
  set(attributes: SpanAttributes): void;
  /** Marks the span failed with a low-cardinality `error.type` (a code, never a message). */
  fail(errorType: string): void;
  /** Ends the span once; later calls do nothing. */
  end(): void;
  /** The W3C `traceparent` naming this span as parent. */
  traceparent(): string;
}

/** How a span starts. */
export interface StartOptions {
  /** `server` for a request served, `client` for one sent, else internal. */
  kind?: "server" | "client" | "internal";
  /** Attributes known at the start. */
  attributes?: SpanAttributes;
  /**
   * A W3C `traceparent` the span continues (the client's); absent or invalid: the active span.
   * With one, the active span (Deno's HTTP server span) is recorded as a link.
   */
  remoteParent?: string;
  /** Start a root span when there is no parent (a request); default: no parent, no span. */
  root?: boolean;
}

/** The tracer the gateway's spans go through; built only when tracing is on. */
export interface Tracing {
  /** Starts a span under the active one (or `remoteParent`); undefined when none would record. */
  start(name: string, options?: StartOptions): TraceSpan | undefined;
  /** Adds attributes to the active span (the request span while a call finishes), if recording. */
  annotate(attributes: SpanAttributes): void;
  /** The active recording span's trace id, for log lines; undefined outside any. */
  activeTraceId(): string | undefined;
  /**
   * Runs `work` so that Deno's automatic `fetch` span is not sampled and injects no header: its
   * parent is a non-sampled stand-in and tracing is marked suppressed (see README Observability).
   */
  unsampled<T>(work: () => T): T;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
// Why the SDK's key by name: Deno's W3C propagator skips injection when it is set (it is the key
// `suppressTracing()` of @opentelemetry/core writes; the API package does not export it).
const SUPPRESS_TRACING = Symbol.for("OpenTelemetry SDK Context Key SUPPRESS_TRACING");
const KINDS = { server: SpanKind.SERVER, client: SpanKind.CLIENT, internal: SpanKind.INTERNAL };

/** Creates the gateway's tracing over the runtime's tracer provider (instrumentation `nexus`). */
export function createTracing(version: string): Tracing {
  const tracer = trace.getTracer("nexus", version);
  return {
    start(name, options = {}) {
      const active = context.active();
      const ambient = trace.getSpan(active);
      const remote = remoteContext(options.remoteParent);
      const recordingAmbient = ambient?.isRecording() === true ? ambient : undefined;
      if (remote === undefined && recordingAmbient === undefined && !options.root) return undefined;
      const parent = remote ?? active;
      const links: Link[] = remote !== undefined && recordingAmbient !== undefined
        ? [{ context: recordingAmbient.spanContext() }]
        : [];
      const span = tracer.startSpan(name, {
        kind: KINDS[options.kind ?? "internal"],
        ...(options.attributes === undefined ? {} : { attributes: options.attributes }),
        links,
      }, parent);
      if (!span.isRecording()) return undefined;
      return wrapSpan(span, parent);
    },
    annotate(attributes) {
      const span = trace.getActiveSpan();
      if (span?.isRecording()) span.setAttributes(attributes as Attributes);
    },
    activeTraceId() {
      const span = trace.getActiveSpan();
      return span?.isRecording() ? span.spanContext().traceId : undefined;
    },
    unsampled(work) {
      const active = trace.getActiveSpan()?.spanContext();
      const standIn = trace.setSpanContext(context.active(), {
        traceId: active?.traceId ?? randomHex(16),
        spanId: randomHex(8),
        traceFlags: TraceFlags.NONE,
      }).setValue(SUPPRESS_TRACING, true);
      return context.with(standIn, work);
    },
  };
}

function wrapSpan(span: Span, parent: Context): TraceSpan {
  const own = trace.setSpan(parent, span);
  let ended = false;
  return {
    within: (work) => context.with(own, work),
    outside: (work) => context.with(parent, work),
    set(attributes) {
      if (!ended) span.setAttributes(attributes as Attributes);
    },
    fail(errorType) {
      if (ended) return;
      span.setAttribute("error.type", errorType);
      span.setStatus({ code: SpanStatusCode.ERROR });
    },
    end() {
      if (ended) return;
      ended = true;
      span.end();
    },
    traceparent() {
      const { traceId, spanId, traceFlags } = span.spanContext();
      return `00-${traceId}-${spanId}-${(traceFlags & 0xff).toString(16).padStart(2, "0")}`;
    },
  };
}

/** The context a valid `traceparent` names as remote parent; undefined for none or invalid. */
function remoteContext(header: string | undefined): Context | undefined {
  const match = TRACEPARENT.exec(header?.trim().toLowerCase() ?? "");
  if (match === null) return undefined;
  const [, traceId, spanId, flags] = match as unknown as [string, string, string, string];
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  return trace.setSpanContext(context.active(), {
    traceId,
    spanId,
    traceFlags: parseInt(flags, 16) & TraceFlags.SAMPLED,
    isRemote: true,
  });
}

function randomHex(bytes: number): string {
  const random = crypto.getRandomValues(new Uint8Array(bytes));
  return Array.from(random, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
