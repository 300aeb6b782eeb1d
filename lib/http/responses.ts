/**
 * JSON-RPC error responses answered before a message reaches the MCP layer.
 */

import type { GatewayError } from "../errors.ts";

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
