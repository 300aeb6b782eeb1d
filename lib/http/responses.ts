/**
 * The two error shapes of the HTTP edge. MCP routes answer JSON-RPC errors (before a message
 * reaches the MCP layer); every other route (`/admin`, `/metrics`, `/.well-known`) answers
 * `{ "error": { "code", "message", "requestId" } }`, where `code` is the `GatewayError` code and
 * the HTTP status its row of the error table.
 */

import type { Context } from "hono";
import { GatewayError, isGatewayError } from "../errors.ts";
import type { Logger } from "../log.ts";

/** Builds the HTTP response for an error raised at the HTTP edge (status from the error table). */
export function edgeErrorResponse(
  error: GatewayError,
  id: unknown = null,
  status?: number,
): Response {
  const body = {
    jsonrpc: "2.0",
    id: typeof id === "string" || typeof id === "number" ? id : null,
    error: { code: error.mapping.jsonRpc, message: error.message },
  };
  return Response.json(body, { status: status ?? error.mapping.http });
}

/** The body of every admin, metrics and well-known error. */
export interface ApiErrorBody {
  /** The `GatewayError` code, its client-safe message, and an id the gateway log can be searched for. */
  error: { code: string; message: string; requestId: string };
}

/**
 * Builds the admin-shaped error response: status from the error table (or `status`), a fresh
 * request id unless given, never cached.
 */
export function apiErrorResponse(
  error: GatewayError,
  options: { requestId?: string; status?: number } = {},
): Response {
  const body: ApiErrorBody = {
    error: {
      code: error.code,
      message: error.message,
      requestId: options.requestId ?? crypto.randomUUID(),
    },
  };
  return Response.json(body, {
    status: options.status ?? error.mapping.http,
    headers: { "cache-control": "no-store" },
  });
}

/**
 * A Hono error handler answering in the admin shape: a `GatewayError` as itself, anything else as
 * `INTERNAL` naming only the request id, which the log line carries with the error.
 */
export function apiErrorHandler(
  logger: Logger,
  what: string,
): (error: Error, c: Context) => Response {
  return function onApiError(error, c) {
    if (isGatewayError(error)) return apiErrorResponse(error);
    const requestId = crypto.randomUUID();
    logger.error(`${what} failed`, { requestId, path: c.req.path, error });
    return apiErrorResponse(
      new GatewayError("INTERNAL", `Internal error: see gateway log for request ${requestId}`),
      { requestId },
    );
  };
}

/** The admin-shaped 404. */
export function apiNotFound(): Response {
  return apiErrorResponse(new GatewayError("NOT_FOUND", "Not found"));
}
