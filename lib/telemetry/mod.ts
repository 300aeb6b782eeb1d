/**
 * OpenTelemetry traces through Deno's built-in exporter (`OTEL_DENO=true`, README
 * "Observability"): the gateway's spans, and outbound HTTP spans that record no path or query.
 * The only user of `npm:@opentelemetry/api`.
 */

/** `createTracing()`: the gateway's spans over the runtime's tracer; raises nothing. */
export {
  createTracing,
  type SpanAttributes,
  type StartOptions,
  type TraceSpan,
  type Tracing,
} from "./tracing.ts";
/** `tracedSend()`: a client span per outbound HTTP exchange, host and status only; raises what fetch raises. */
export { tracedSend } from "./fetch.ts";
