/**
 * Sends an upstream request with `redirect: "manual"` and follows redirects ourselves, only within
 * the same origin, so a redirect can never move a call (and its credentials) to another host.
 */

import { GatewayError } from "../../errors.ts";
import type { Logger } from "../../log.ts";
import { discardBody } from "./read_body.ts";
import type { UpstreamRequest } from "./request.ts";

/** How many redirects one call follows before giving up. */
export const MAX_REDIRECTS = 5;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** What {@linkcode sendFollowingRedirects} needs besides the request. */
export interface SendOptions {
  signal: AbortSignal;
  logger: Logger;
  egressOrigins: ReadonlySet<string>;
  fetch: typeof fetch;
}

/** `GET /path`: method and path only, never the host or the query. */
export function describeTarget(method: string, url: URL): string {
  // Why: this text reaches the client and the model; the upstream's host is internal topology the
  // tool listing hides too (the debug log has the origin). No query: it may carry secrets.
  return `${method} ${url.pathname}`;
}

/**
 * Sends `request` and follows same-origin redirects; the returned response is not a redirect
 * unless it lacked a `Location` header.
 * @throws GatewayError UPSTREAM_ERROR when redirected to another origin or more than 5 times.
 * @throws the fetch error (abort or network) as is, for the caller to classify.
 */
export function sendFollowingRedirects(
  request: UpstreamRequest,
  options: SendOptions,
): Promise<Response> {
  // Why the first hop chained, not awaited: nearly every call takes one hop, and an async frame
  // here would stay live for the whole upstream call (heap per in-flight call). Why the redirect
  // check inside sendOnce's own handler: one promise layer fewer per call in flight.
  return sendOnce(request, options, true);
}

function isRedirect(response: Response): boolean {
  return REDIRECT_STATUSES.has(response.status) && response.headers.has("location");
}

async function followRedirects(
  request: UpstreamRequest,
  first: Response,
  options: SendOptions,
): Promise<Response> {
  let current = request;
  for (let hop = 0;; hop++) {
    const response = hop === 0 ? first : await sendOnce(current, options, false);
    const location = response.headers.get("location");
    if (!REDIRECT_STATUSES.has(response.status) || location === null) return response;
    await discardBody(response);
    if (hop === MAX_REDIRECTS) {
      throw new GatewayError(
        "UPSTREAM_ERROR",
        `Upstream redirected too many times: stopped after ${MAX_REDIRECTS} redirects: ${
          describeTarget(request.method, request.url)
        }`,
      );
    }
    const next = resolveLocation(location, current.url, options.egressOrigins);
    current = redirectedRequest(current, response.status, next);
  }
}

/** One hop; `follow`: a redirect answer is followed (the first hop), else returned. */
function sendOnce(
  request: UpstreamRequest,
  options: SendOptions,
  follow: boolean,
): Promise<Response> {
  const started = performance.now();
  let sent: Promise<Response>;
  try {
    sent = options.fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      redirect: "manual",
      signal: options.signal,
    });
  } catch (error) {
    sent = Promise.reject(error);
  }
  // Why chained, not an async function: the frame would stay live for the whole upstream call.
  // Why the target is built in the handlers: it would be held for the whole upstream call.
  return sent.then((response) => {
    const ms = Math.round(performance.now() - started);
    options.logger.debug("Upstream call", { ...targetOf(request), status: response.status, ms });
    return follow && isRedirect(response) ? followRedirects(request, response, options) : response;
  }, (error) => {
    const ms = Math.round(performance.now() - started);
    const failure = error instanceof Error ? error.name : "unknown";
    options.logger.debug("Upstream call failed", { ...targetOf(request), failure, ms });
    throw error;
  });
}

/** What the debug log names of an upstream request: its method and URL without the query. */
function targetOf(request: UpstreamRequest): { method: string; url: string } {
  return { method: request.method, url: `${request.url.origin}${request.url.pathname}` };
}

function resolveLocation(location: string, base: URL, egressOrigins: ReadonlySet<string>): URL {
  let next: URL;
  try {
    next = new URL(location, base);
  } catch {
    throw new GatewayError("UPSTREAM_ERROR", "Upstream sent an invalid redirect: bad Location");
  }
  if (next.origin !== base.origin || !egressOrigins.has(next.origin)) {
    // Why: following would send the tool's headers (credentials) to a host nobody allowlisted.
    throw new GatewayError(
      "UPSTREAM_ERROR",
      `Upstream redirected to a different host: not followed: ${next.origin}${next.pathname}`,
    );
  }
  return next;
}

// Why: mirrors the Fetch standard: 303 (and 301/302 after POST) become a bodiless GET, while
// 307/308 repeat the method and body unchanged.
function redirectedRequest(request: UpstreamRequest, status: number, url: URL): UpstreamRequest {
  const becomesGet = (status === 303 && request.method !== "HEAD") ||
    ((status === 301 || status === 302) && request.method === "POST");
  if (!becomesGet) return { ...request, url };
  const headers = new Headers(request.headers);
  headers.delete("content-type");
  return { method: "GET", url, headers };
}
