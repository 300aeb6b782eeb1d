/**
 * Executes one call of an HTTP tool: build the request, check egress, send it under the tool's
 * timeout, and turn the response or the failure into a tool result or a `GatewayError`.
 */

import { applyOutboundAuth } from "../../credentials/mod.ts";
import { GatewayError, type UpstreamReply } from "../../errors.ts";
import { debugStart } from "../../log.ts";
import type { HttpBackendSpec } from "../../registry/types.ts";
import { createDeadline, type Deadline } from "../deadline.ts";
import {
  type CallOutcome,
  type ExecuteOptions,
  type OutcomeCheck,
  throughCheck,
} from "../options.ts";
import { firstHopAnswered, logFailed, sendHop, type SendOptions, type SentHop } from "./fetch.ts";
import { fetchPages } from "./paginate.ts";
import { buildRequest, type UpstreamRequest } from "./request.ts";
import { rebase } from "./rebase.ts";
import { classifyFailure, withUpstream } from "./failure.ts";
import { successResult } from "./response.ts";
import { upstreamStatusError } from "./upstream_error.ts";

/**
 * Calls the upstream described by `spec` with `args` and returns its answer as a tool result,
 * with the upstream's status and headers. A failure after the upstream answered (an HTTP 500, a
 * body past the deadline) carries them in the error's `upstream`.
 * @throws GatewayError INVALID_INPUT, INVALID_TOOL, EGRESS_DENIED, UPSTREAM_ERROR,
 * UPSTREAM_UNAVAILABLE, UPSTREAM_TIMEOUT or CANCELLED.
 */
export function executeHttp(
  spec: HttpBackendSpec,
  args: Record<string, unknown>,
  given: ExecuteOptions,
): Promise<CallOutcome> {
  // Why two functions: a suspended async function keeps every register of its frame, dead or
  // not, for the whole upstream call; the paged path needs the credential-free template, the
  // single request (nearly every call) needs neither the template nor a copy of it.
  if (spec.pagination === undefined) return executeOnce(spec, args, given);
  const paged = { ...spec, pagination: spec.pagination };
  return checkedReply(() => executePaged(spec, paged, { args, given }), given.check);
}

/** The request for one call: built, rebased, credentials injected, egress checked. */
function prepareRequest(
  template: UpstreamRequest,
  spec: HttpBackendSpec,
  given: ExecuteOptions,
): { request: UpstreamRequest; options: ExecuteOptions } {
  // Why: a credential-based base URL's egress is its own origin, matched against `allow` above.
  const options = spec.baseFrom === undefined
    ? given
    : { ...given, egressOrigins: new Set([template.url.origin]) };
  // Why: injected here, after the template is filled, so no argument can read or override it.
  if (options.outboundAuth !== undefined) applyOutboundAuth(template, options.outboundAuth);
  checkEgress(template.url, options.egressOrigins);
  return { request: template, options };
}

/**
 * A single request (nearly every call). Why a chain whose handlers run only once the upstream has
 * answered, not an async function: a suspended async frame keeps its registers and promises for
 * the whole upstream call (heap per call in flight).
 */
function executeOnce(
  spec: HttpBackendSpec,
  args: Record<string, unknown>,
  given: ExecuteOptions,
): Promise<CallOutcome> {
  let request: UpstreamRequest;
  let options: ExecuteOptions;
  try {
    // Why no copy: the request is this call's own (buildRequest builds a new URL and headers).
    ({ request, options } = prepareRequest(
      rebase(buildRequest(spec, args), spec, given),
      spec,
      given,
    ));
  } catch (error) {
    return rejectedThrough(error, given.check);
  }
  const deadline = createDeadline(options.signal, spec.timeoutMs);
  const send: SendOptions = {
    signal: deadline.signal,
    logger: options.logger,
    egressOrigins: options.egressOrigins,
    fetch: options.fetch ?? globalThis.fetch,
  };
  const call: OnceCall = {
    spec,
    request,
    options: send,
    started: debugStart(options.logger),
    redact: options.outboundAuth?.redact,
    deadline,
    check: given.check,
  };
  // Why the hop's answer read in this chain's own handlers (not `sendFollowingRedirects`'s), and
  // the outcome checked in them (`ExecuteOptions.check`): promise layers and their closures fewer
  // per call in flight; the layers made once the upstream answered are not held while it waits.
  // Why handlers bound to the call and not closures over it: a bound pair needs no context
  // object, 56 B fewer per call in flight.
  return sendHop(request, send).then(onceAnswered.bind(call), onceFailed.bind(call));
}

/** The hop's answer, read and checked (`executeOnce`'s handler, bound to its call). */
function onceAnswered(this: OnceCall, response: Response): Promise<CallOutcome> {
  return checkedReply(() => answered(response, this), this.check);
}

/** The hop's failure, logged, classified and checked (`executeOnce`'s handler, bound). */
function onceFailed(this: OnceCall, error: unknown): never {
  logFailed(error, this);
  try {
    failed(error, this);
  } catch (classified) {
    return failedThrough(classified, this.check);
  }
}

/** What a single request's answer and failure are read with; also the hop it sent. */
interface OnceCall extends SentHop {
  spec: HttpBackendSpec;
  redact: Parameters<typeof successResult>[1]["redact"];
  deadline: Deadline;
  check: OutcomeCheck | undefined;
}

/** `read()`'s outcome through `check` (absent: as it is); a synchronous throw rejects. */
function checkedReply(
  read: () => Promise<CallOutcome>,
  check: OutcomeCheck | undefined,
): Promise<CallOutcome> {
  let reply: Promise<CallOutcome>;
  try {
    reply = read();
  } catch (error) {
    reply = Promise.reject(error);
  }
  return throughCheck(reply, check);
}

/** Throws what `check` makes of `error` (absent: `error` itself). */
function failedThrough(error: unknown, check: OutcomeCheck | undefined): never {
  if (check === undefined) throw error;
  return check.failed(error);
}

/** A rejection with what `check` makes of `error`. */
function rejectedThrough(error: unknown, check: OutcomeCheck | undefined): Promise<never> {
  try {
    return failedThrough(error, check);
  } catch (thrown) {
    return Promise.reject(thrown);
  }
}

/**
 * The first hop's answer: logged, a redirect followed, then read as the call's outcome. Runs in a
 * promise handler: what it throws rejects the call.
 */
function answered(response: Response, call: OnceCall): Promise<CallOutcome> {
  const final = firstHopAnswered(response, call);
  if (final instanceof Promise) {
    return final.then((followed) => readReply(followed, call), (error) => failed(error, call));
  }
  return readReply(final, call);
}

/** The upstream's answer as the call's outcome, read under the call's deadline. */
async function readReply(response: Response, call: OnceCall): Promise<CallOutcome> {
  const upstream: UpstreamReply = { status: response.status, headers: response.headers };
  try {
    // Why: the body is read under the same deadline, so a slow-dripping body also times out.
    // Why the redactor goes down: secrets are scrubbed from whole bodies, before any cut.
    if (!response.ok) throw await upstreamStatusError(response, call.redact);
    const result = await successResult(response, {
      method: call.request.method,
      spec: call.spec.response,
      redact: call.redact,
    });
    call.deadline.dispose();
    return { result, upstream };
  } catch (error) {
    return failed(error, call, upstream);
  }
}

/** Classifies a failure of the call, stops its deadline and throws it. */
function failed(error: unknown, call: OnceCall, upstream?: UpstreamReply): never {
  const classified = withUpstream(
    classifyFailure(error, {
      deadline: call.deadline,
      request: call.request,
      timeoutMs: call.spec.timeoutMs,
    }),
    upstream,
  );
  call.deadline.dispose();
  throw classified;
}

async function executePaged(
  spec: HttpBackendSpec,
  paged: HttpBackendSpec & { pagination: NonNullable<HttpBackendSpec["pagination"]> },
  { args, given }: { args: Record<string, unknown>; given: ExecuteOptions },
): Promise<CallOutcome> {
  const template = rebase(buildRequest(spec, args), spec, given);
  // Why a copy: the pages are built from the template, which must stay without credentials.
  const { request, options } = prepareRequest(
    { ...template, url: new URL(template.url), headers: new Headers(template.headers) },
    spec,
    given,
  );
  const deadline = createDeadline(options.signal, spec.timeoutMs);
  let upstream: UpstreamReply | undefined;
  try {
    const pageOptions = {
      signal: deadline.signal,
      execute: options,
      onUpstream: (reply: UpstreamReply) => (upstream = reply),
    };
    const result = await fetchPages(paged, template, pageOptions);
    return upstream === undefined ? { result } : { result, upstream };
  } catch (error) {
    throw withUpstream(
      classifyFailure(error, { deadline, request, timeoutMs: spec.timeoutMs }),
      upstream,
    );
  } finally {
    deadline.dispose();
  }
}

function checkEgress(url: URL, egressOrigins: ReadonlySet<string>): void {
  if (egressOrigins.has(url.origin)) return;
  throw new GatewayError(
    "EGRESS_DENIED",
    `Egress denied: ${url.origin} is not in the gateway's egress allowlist`,
    { data: { origin: url.origin } },
  );
}
