/**
 * Which protocol era a POST belongs to, as the SDK's own entry decides it (body-primary: the
 * per-request `_meta` envelope, cross-checked with the standard headers), so the HTTP edge can
 * apply a rule of one era without a second, drifting copy of the classification.
 */

import { classifyInboundRequest } from "@modelcontextprotocol/server";

/** Whether the SDK serves this POST, with its parsed body, as a 2026-07-28 exchange. Raises nothing. */
export function isModernPost(request: Request, parsedBody: unknown): boolean {
  const outcome = classifyInboundRequest({
    httpMethod: request.method.toUpperCase(),
    protocolVersionHeader: request.headers.get("mcp-protocol-version") ?? undefined,
    mcpMethodHeader: request.headers.get("mcp-method") ?? undefined,
    mcpNameHeader: request.headers.get("mcp-name") ?? undefined,
    body: parsedBody,
  });
  return outcome.kind === "modern";
}
