/**
 * Sends an upstream request with `redirect: "manual"` and follows redirects ourselves, only within
 * the same origin, so a redirect can never move a call (and its credentials) to another host.
 */

import { GatewayError } from "../../errors.ts";
import { debugStart, type Logger } from "../../log.ts";
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
  const hop: SentHop = { request, options, started: debugStart(options.logger) };
  return sendHop(request, options).then(
    (response) => firstHopAnswered(response, hop),
    (error) => {
      logFailed(error, hop);
      throw error;
    },
  );
}

/** A hop sent: what its answer is logged and followed with. */
export interface SentHop {
  /** The request the hop sent. */
  readonly request: UpstreamRequest;
  /** How it was sent, and how its redirects are followed. */
  readonly options: SendOptions;
  /** When it was sent (`debugStart`: 0 while debug is off), for the debug log's duration. */
  readonly started: number;
}

/**
 * Sends one hop of `request` without following a redirect; its answer goes to
 * {@linkcode firstHopAnswered}, its failure to {@linkcode logFailed}. Why split: a caller that reads the
 * answer in its own handler (`execute.ts`) keeps one promise layer fewer per call in flight.
 * @throws the fetch error (abort or network) as is, as a rejection.
 */
export function sendHop(request: UpstreamRequest, options: SendOptions): Promise<Response> {
  try {
    return options.fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      redirect: "manual",
      signal: options.signal,
    });
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * The first hop's answer, logged, with a same-origin redirect followed (as
 * {@linkcode sendFollowingRedirects} does).
 * @throws GatewayError UPSTREAM_ERROR when redirected to another origin or more than 5 times.
 */
export function firstHopAnswered(response: Response, hop: SentHop): Response | Promise<Response> {
  logAnswered(response, hop);
  return isRedirect(response) ? followRedirects(hop.request, response, hop.options) : response;
}

/** Logs a hop that failed (no answer: a network error or an abort). */
export function logFailed(error: unknown, hop: SentHop): void {
  if (!hop.options.logger.debugging) return;
  const ms = Math.round(performance.now() - hop.started);
  const failure = error instanceof Error ? error.name : "unknown";
  hop.options.logger.debug("Upstream call failed", { ...targetOf(hop.request), failure, ms });
}

function logAnswered(response: Response, hop: SentHop): void {
  if (!hop.options.logger.debugging) return;
  const ms = Math.round(performance.now() - hop.started);
  // Why the target is built here: it would be held for the whole upstream call.
  hop.options.logger.debug("Upstream call", {
    ...targetOf(hop.request),
    status: response.status,
    ms,
  });
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
    const response = hop === 0 ? first : await sendLater(current, options);
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

/** A hop after a redirect: sent and logged, its answer returned as it is. */
function sendLater(request: UpstreamRequest, options: SendOptions): Promise<Response> {
  const hop: SentHop = { request, options, started: debugStart(options.logger) };
  return sendHop(request, options).then((response) => {
    logAnswered(response, hop);
    return response;
  }, (error) => {
    logFailed(error, hop);
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
