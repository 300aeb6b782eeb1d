/**
 * The error for an upstream that answered with a 4xx or 5xx status: status, reason phrase and a
 * short, whitespace-collapsed excerpt of the body the caller can act on. Secrets are scrubbed from
 * the whole body read before the excerpt is cut, and from the excerpt's cut edge after.
 */

import type { Redactor } from "../../credentials/mod.ts";
import { GatewayError } from "../../errors.ts";
import { parseRetryAfter } from "../../rates.ts";
import { NO_REDACTION } from "../redact.ts";
import { readCapped } from "./read_body.ts";

const EXCERPT_CHARS = 500;
// Why: a few KB is plenty for a 500-character excerpt; never buffer a whole error page.
const ERROR_BODY_BYTES = 4096;

// Why: HTTP/2 has no reason phrase, so `Response.statusText` is often empty; keep our own.
const REASON_PHRASES: Readonly<Record<number, string>> = {
  200: "OK",
  201: "Created",
  202: "Accepted",
  203: "Non-Authoritative Information",
  204: "No Content",
  205: "Reset Content",
  206: "Partial Content",
  300: "Multiple Choices",
  301: "Moved Permanently",
  302: "Found",
  303: "See Other",
  304: "Not Modified",
  307: "Temporary Redirect",
  308: "Permanent Redirect",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  406: "Not Acceptable",
  408: "Request Timeout",
  409: "Conflict",
  410: "Gone",
  412: "Precondition Failed",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  500: "Internal Server Error",
  501: "Not Implemented",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/** `"500 Internal Server Error"` for a status, falling back to the response's own phrase. */
export function statusLine(status: number, statusText = ""): string {
  const phrase = REASON_PHRASES[status] ?? statusText;
  return phrase === "" ? String(status) : `${status} ${phrase}`;
}

/**
 * Reads a bounded excerpt of a non-2xx response and turns it into the caller-facing error; its
 * `upstream` is the response's status and headers.
 * @throws the stream's error when reading the body fails (for example on timeout).
 */
export async function upstreamStatusError(
  response: Response,
  redact: Redactor = NO_REDACTION,
): Promise<GatewayError> {
  const { bytes, complete } = await readCapped(response.body, ERROR_BODY_BYTES);
  // Why stream: a cap may have split the last UTF-8 sequence; a streaming decode drops it.
  const text = new TextDecoder().decode(bytes, { stream: !complete });
  // Why `cut` when incomplete: the read cap may have gone through a secret.
  const excerpt = makeExcerpt(complete ? redact(text) : redact.cut(text), redact);
  const line = `Upstream returned HTTP ${statusLine(response.status, response.statusText)}`;
  const data: Record<string, unknown> = { status: response.status };
  const retryAfter = response.headers.get("retry-after");
  if (retryAfter !== null) {
    data.retryAfter = retryAfter;
    const retryAfterMs = parseRetryAfter(retryAfter, Date.now());
    if (retryAfterMs !== undefined) data.retryAfterMs = retryAfterMs;
  }
  return new GatewayError("UPSTREAM_ERROR", excerpt === "" ? line : `${line}: ${excerpt}`, {
    data,
    upstream: { status: response.status, headers: response.headers },
  });
}

function makeExcerpt(text: string, redact: Redactor): string {
  const collapsed = text.replace(/\s+/g, " ").trim();
  if (collapsed.length <= EXCERPT_CHARS) return collapsed;
  // Why: slicing by code points, not UTF-16 units, so an emoji is never cut in half.
  const cut = Array.from(collapsed).slice(0, EXCERPT_CHARS).join("");
  return redact.cut(cut).trimEnd() + "…";
}
