/**
 * SEP-2243 custom-header validation for the conformance fixture's HTTP modern path: a tool
 * argument whose schema property carries `x-mcp-header: Name` must arrive as `Mcp-Param-Name` too
 * (the value as is, or `=?base64?…?=` for values that are not plain ASCII), and the two must
 * agree. The SDK's server does not check this itself, so the fixture does, as the spec asks of a
 * server: a missing, undecodable or different header is HTTP 400 with JSON-RPC error -32020.
 */

import { TOOL_DEFINITIONS } from "./conformance_fixture_tools.ts";

const HEADER_MISMATCH = -32020;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The rejection for a `tools/call` whose Mcp-Param headers do not match its body, if any. */
export async function checkParamHeaders(request: Request): Promise<Response | undefined> {
  if (request.method !== "POST") return undefined;
  const body = await request.clone().json().catch(() => undefined) as
    | { id?: unknown; method?: unknown; params?: { name?: unknown; arguments?: unknown } }
    | undefined;
  if (body?.method !== "tools/call") return undefined;
  const tool = TOOL_DEFINITIONS.find((t) => t.name === body.params?.name);
  const properties = (tool?.inputSchema as { properties?: Record<string, Record<string, unknown>> })
    ?.properties ?? {};
  const args = (body.params?.arguments ?? {}) as Record<string, unknown>;
  for (const [name, schema] of Object.entries(properties)) {
    const header = schema["x-mcp-header"];
    const value = args[name];
    if (typeof header !== "string" || value === undefined || value === null) continue;
    const sent = request.headers.get(`mcp-param-${header}`);
    const problem = sent === null
      ? `Mcp-Param-${header} is missing`
      : decode(sent.trim()) !== String(value)
      ? `Mcp-Param-${header} does not match arguments.${name}`
      : undefined;
    if (problem !== undefined) {
      return Response.json({
        jsonrpc: "2.0",
        id: body.id ?? null,
        error: { code: HEADER_MISMATCH, message: `Header mismatch: ${problem}` },
      }, { status: 400 });
    }
  }
  return undefined;
}

/** The header's value: decoded when wrapped as `=?base64?…?=`; undefined when that fails. */
function decode(value: string): string | undefined {
  if (!(value.startsWith("=?base64?") && value.endsWith("?=") && value.length >= 11)) return value;
  const inner = value.slice("=?base64?".length, -2);
  if (!BASE64.test(inner)) return undefined;
  try {
    const bytes = Uint8Array.from(atob(inner), (char) => char.charCodeAt(0));
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}
