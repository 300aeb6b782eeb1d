/**
 * Spans for the `tools/call` pipeline when tracing is on (README "Observability"): each stage
 * gets a child span of the request span covering its own work up to the moment it hands the call
 * on (so stages are siblings, not a staircase), and the backend gets one covering the execution,
 * with the outbound HTTP spans below it. Names only: tool, backend kind, upstream, database,
 * credential; never argument values or secrets.
 */

import { isGatewayError } from "../errors.ts";
import type { HttpBackendSpec } from "../registry/types.ts";
import type { SpanAttributes, Tracing } from "../telemetry/mod.ts";
import type { CallContext, CallStage, PipelineHooks } from "./stages.ts";

/** What a stage span adds when it ends, read from the call (facts recorded so far included). */
export type StageAttributes = (ctx: CallContext) => SpanAttributes;

/**
 * Wraps `stage` in a span `name`, a child of the request span, ended when the stage calls `next`
 * or returns; the rest of the pipeline runs as the request span's child again.
 */
export function tracedStage(
  tracing: Tracing,
  name: string,
  stage: CallStage,
  attributes?: StageAttributes,
): CallStage {
  return async function tracedStageRun(ctx, next) {
    const span = tracing.start(name);
    if (span === undefined) return await stage(ctx, next);
    let handedOn = false;
    const finish = () => {
      if (attributes !== undefined) span.set(attributes(ctx));
      span.end();
    };
    try {
      return await span.within(() =>
        stage(ctx, (patch) => {
          if (!handedOn) finish();
          handedOn = true;
          return span.outside(() => next(patch));
        })
      );
    } catch (error) {
      if (!handedOn) span.fail(errorType(error));
      throw error;
    } finally {
      if (!handedOn) finish();
    }
  };
}

/** The innermost stage: a `nexus.backend` span around the execution (and its HTTP exchanges). */
export function backendSpanStage(tracing: Tracing): CallStage {
  return async function tracedBackend(ctx, next) {
    const span = tracing.start("nexus.backend", { attributes: backendAttributes(ctx) });
    if (span === undefined) return await next();
    try {
      return await span.within(() => next());
    } catch (error) {
      span.fail(errorType(error));
      throw error;
    } finally {
      const status = ctx.facts.backendStatus;
      if (status !== undefined) span.set({ "http.response.status_code": status });
      span.end();
    }
  };
}

/** Admission in a `nexus.admission` span (the client's and the gateway's rate-limit budgets). */
export function tracedAdmission(
  tracing: Tracing,
  admit: PipelineHooks["admit"],
): PipelineHooks["admit"] {
  return async function tracedAdmit(request) {
    const span = tracing.start("nexus.admission");
    if (span === undefined) return await admit(request);
    try {
      await span.within(() => admit(request));
    } catch (error) {
      span.fail(errorType(error));
      throw error;
    } finally {
      span.end();
    }
  };
}

function backendAttributes(ctx: CallContext): SpanAttributes {
  const backend = ctx.tool.backend;
  const base = { "nexus.backend.kind": backend.kind, "gen_ai.tool.name": ctx.tool.name };
  if (backend.kind === "mcp") return { ...base, "nexus.upstream.name": backend.upstream };
  if (backend.kind === "sql") return { ...base, "nexus.database.name": backend.database };
  if (backend.kind === "http") return { ...base, ...httpTemplate(backend) };
  return base;
}

/** The URL template's host and path as written (`{arg}` placeholders, not values), no query. */
function httpTemplate(backend: HttpBackendSpec): SpanAttributes {
  const cut = backend.url.search(/[?#]/);
  const template = cut === -1 ? backend.url : backend.url.slice(0, cut);
  const origin = /^(https?):\/\/([^/]+)(\/.*)?$/.exec(template);
  if (origin === null) return { "http.request.method": backend.method };
  return {
    "http.request.method": backend.method,
    "url.scheme": origin[1]!,
    "server.address": origin[2]!.replace(/:\d+$/, ""),
    "url.template": origin[3] ?? "/",
  };
}

function errorType(error: unknown): string {
  return isGatewayError(error) ? error.code : "INTERNAL";
}
