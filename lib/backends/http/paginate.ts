/**
 * `http.pagination`: fetches up to `maxPages` pages of one call and concatenates their item
 * arrays into `{ items, pages, truncated }`. Every page gets the call's credential, the call's one
 * deadline, the egress allowlist and a share of one `maxBytes` budget; a next page is only ever
 * fetched from the first request's origin.
 */

import { applyOutboundAuth } from "../../credentials/mod.ts";
import { GatewayError, type UpstreamReply } from "../../errors.ts";
import type {
  HttpBackendSpec,
  HttpPagination,
  JsonValue,
  ToolResult,
} from "../../registry/types.ts";
import type { ExecuteOptions } from "../options.ts";
import { NO_REDACTION } from "../redact.ts";
import { checkErrorWhen, valueAt } from "./error_when.ts";
import { describeTarget, sendFollowingRedirects } from "./fetch.ts";
import { readResponseCapped } from "./read_body.ts";
import type { UpstreamRequest } from "./request.ts";
import { isJsonType, jsonResult, parseJson } from "./response.ts";
import { upstreamStatusError } from "./upstream_error.ts";

const decoder = new TextDecoder();

/** What fetching the pages of one call needs besides the spec and the first request. */
export interface PageOptions {
  signal: AbortSignal;
  execute: ExecuteOptions;
  /** Called with each page's status and headers, so a failure can carry the last one. */
  onUpstream(upstream: UpstreamReply): void;
}

/**
 * Fetches the pages of `first` (built from the template, before credentials are injected).
 * @throws GatewayError UPSTREAM_ERROR (non-2xx page, `errorWhen`, a page that is not JSON or has
 * no item array, a first page past `maxBytes`, a next page on another origin) or EGRESS_DENIED.
 */
export async function fetchPages(
  spec: HttpBackendSpec & { pagination: HttpPagination },
  first: UpstreamRequest,
  options: PageOptions,
): Promise<ToolResult> {
  const { pagination, response: responseSpec } = spec;
  const redact = options.execute.outboundAuth?.redact ?? NO_REDACTION;
  const items: JsonValue[] = [];
  let used = 0;
  let url: URL | undefined = first.url;
  let pages = 0;
  while (url !== undefined && pages < pagination.maxPages) {
    const request = pageRequest(first, url, options.execute);
    const response = await sendFollowingRedirects(request, {
      signal: options.signal,
      logger: options.execute.logger,
      egressOrigins: options.execute.egressOrigins,
      fetch: options.execute.fetch ?? globalThis.fetch,
    });
    options.onUpstream({ status: response.status, headers: response.headers });
    if (!response.ok) throw await upstreamStatusError(response, redact);
    const body = await readResponseCapped(response, responseSpec.maxBytes - used);
    if (!body.complete) {
      if (pages === 0) throw tooLarge(request, responseSpec.maxBytes);
      // Why: the budget bounds the whole call; the pages read so far are the answer.
      break;
    }
    used += body.bytes.length;
    const text = decoder.decode(body.bytes);
    const parsed = isJsonType(response.headers.get("content-type"))
      ? parseJson(text, redact)
      : undefined;
    if (parsed === undefined) throw pageError(request, "the page is not JSON");
    checkErrorWhen(parsed.value, responseSpec.errorWhen, response);
    const pageItems = pagination.items === undefined
      ? parsed.value
      : valueAt(parsed.value, pagination.items);
    if (!Array.isArray(pageItems)) {
      throw pageError(request, `the page has no array at ${pagination.items ?? "its top level"}`);
    }
    items.push(...pageItems);
    pages++;
    url = nextPage(pagination, { first: first.url, current: url, body: parsed.value, response });
  }
  return jsonResult({ items, pages, truncated: url !== undefined }, responseSpec, redact);
}

function pageRequest(first: UpstreamRequest, url: URL, options: ExecuteOptions): UpstreamRequest {
  const request: UpstreamRequest = {
    method: first.method,
    url: new URL(url),
    headers: new Headers(first.headers),
    ...(first.body === undefined ? {} : { body: first.body }),
  };
  // Why: injected into every page after its URL is known, so a next-page URL cannot drop or
  // replace the credential, and the credential never rides into a URL we compare or log.
  if (options.outboundAuth !== undefined) applyOutboundAuth(request, options.outboundAuth);
  if (!options.egressOrigins.has(request.url.origin)) {
    throw new GatewayError(
      "EGRESS_DENIED",
      `Egress denied: ${request.url.origin} is not in the gateway's egress allowlist`,
      { data: { origin: request.url.origin } },
    );
  }
  return request;
}

function nextPage(
  pagination: HttpPagination,
  page: { first: URL; current: URL; body: JsonValue; response: Response },
): URL | undefined {
  if (pagination.style === "cursor") {
    const cursor = valueAt(page.body, pagination.cursor);
    if (typeof cursor !== "string" && typeof cursor !== "number") return undefined;
    if (cursor === "") return undefined;
    const next = new URL(page.first);
    next.searchParams.set(pagination.param, String(cursor));
    return next;
  }
  const target = pagination.style === "link"
    ? nextLink(page.response.headers.get("link"))
    : valueAt(page.body, pagination.nextUrl);
  if (typeof target !== "string" || target === "") return undefined;
  let next: URL;
  try {
    next = new URL(target, page.current);
  } catch {
    throw new GatewayError("UPSTREAM_ERROR", "Upstream sent an invalid next page URL");
  }
  if (next.origin !== page.first.origin) {
    // Why: following would send the tool's credential to a host the tool author never named.
    throw new GatewayError(
      "UPSTREAM_ERROR",
      `Upstream's next page is on a different host: not followed: ${next.origin}${next.pathname}`,
    );
  }
  return next;
}

/** The `rel="next"` target of an RFC 8288 `Link` header, if any. */
export function nextLink(header: string | null): string | undefined {
  if (header === null) return undefined;
  for (const match of header.matchAll(/<([^>]*)>((?:\s*;\s*[^;,]+)*)/g)) {
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(match[2] ?? "");
    const relations = (rel?.[1] ?? rel?.[2] ?? "").toLowerCase().split(/\s+/);
    if (relations.includes("next")) return match[1];
  }
  return undefined;
}

function tooLarge(request: UpstreamRequest, maxBytes: number): GatewayError {
  return pageError(request, `the first page is larger than response.maxBytes (${maxBytes})`);
}

function pageError(request: UpstreamRequest, reason: string): GatewayError {
  return new GatewayError(
    "UPSTREAM_ERROR",
    `Upstream page cannot be read: ${reason}: ${describeTarget(request.method, request.url)}`,
  );
}
