/**
 * The `/mcp` route once the request is admitted: the Origin and Host check, the caller, the
 * media types both eras require, the JSON-RPC body read within its bounds, then the MCP service.
 */

import type { Caller } from "../auth/mod.ts";
import { BoundedMap } from "../bounded_map.ts";
import { GatewayError } from "../errors.ts";
import { isModernPost } from "../mcp/mod.ts";
import type { AppDeps } from "./app.ts";
import { readJsonRpcBody } from "./body.ts";
import { edgeErrorResponse } from "./responses.ts";

/**
 * Serves one `/mcp` request for the caller `resolveCaller` finds (a `Response` means refused);
 * raises only what is not a `GatewayError` (answered 500 by the app).
 */
export async function serveMcp(
  request: Request,
  resolveCaller: () => Promise<Caller | Response>,
  { deps, checkRequest }: {
    deps: Pick<AppDeps, "logger" | "mcp" | "maxBodyBytes" | "bodyTimeoutMs">;
    checkRequest: (request: Request) => GatewayError | undefined;
  },
): Promise<Response> {
  const forbidden = checkRequest(request);
  if (forbidden) {
    deps.logger.warn("Rejected MCP request", { reason: forbidden.message });
    return edgeErrorResponse(forbidden);
  }
  const caller = await resolveCaller();
  if (caller instanceof Response) return caller;
  if (request.method !== "POST") {
    return deps.mcp.fetch(request, { caller, reauthorize: resolveCaller }).catch(answerEdgeError);
  }
  const contentType = request.headers.get("content-type") ?? "";
  if (!/^application\/json\b/i.test(contentType)) {
    return edgeErrorResponse(
      new GatewayError(
        "UNSUPPORTED_MEDIA_TYPE",
        "Unsupported media type: send Content-Type: application/json",
      ),
    );
  }
  let body: unknown;
  try {
    body = await readJsonRpcBody(request, deps.maxBodyBytes, { deadlineMs: deps.bodyTimeoutMs });
  } catch (error) {
    return answerEdgeError(error);
  }
  if (!acceptsJsonAndStream(request) && isModernPost(request, body)) {
    return edgeErrorResponse(
      new GatewayError(
        "NOT_ACCEPTABLE",
        "Not acceptable: send Accept: application/json, text/event-stream",
      ),
      (body as { id?: unknown }).id,
    );
  }
  // Why no `await`: this frame would otherwise stay live for the whole call.
  try {
    return deps.mcp.fetch(request, { caller, parsedBody: body, reauthorize: resolveCaller })
      .catch(answerEdgeError);
  } catch (error) {
    return answerEdgeError(error);
  }
}

/**
 * Whether `Accept` lists both media types a 2026-07-28 POST must accept (the answer is JSON or an
 * SSE stream, the server's choice). Ranges with `q=0` are refused ones; wildcards do not count.
 */
function acceptsJsonAndStream(request: Request): boolean {
  const header = request.headers.get("accept") ?? "";
  if (header.length > MAX_MEMO_ACCEPT_CHARS) return parsedAcceptsJsonAndStream(header);
  let verdict = acceptVerdicts.get(header);
  if (verdict === undefined) {
    verdict = parsedAcceptsJsonAndStream(header);
    acceptVerdicts.set(header, verdict);
  }
  return verdict;
}

// Why a memo: a client sends the same `Accept` with every call, and parsing it (splits, trims, a
// regular expression per range) was ~4 µs of each. A header longer than any client's usual one is
// parsed each time instead of kept.
const acceptVerdicts = new BoundedMap<string, boolean>(256);
const MAX_MEMO_ACCEPT_CHARS = 256;

function parsedAcceptsJsonAndStream(header: string): boolean {
  const accepted = new Set<string>();
  for (const range of header.split(",")) {
    const [type = "", ...params] = range.split(";").map((part) => part.trim().toLowerCase());
    const refused = params.some((param) => /^q=0(\.0{0,3})?$/.test(param.replace(/\s+/g, "")));
    if (!refused) accepted.add(type);
  }
  return accepted.has("application/json") && accepted.has("text/event-stream");
}

/** A `GatewayError` as its edge response; anything else is rethrown (HTTP 500). */
function answerEdgeError(error: unknown): Response {
  if (error instanceof GatewayError) return edgeErrorResponse(error);
  throw error;
}
