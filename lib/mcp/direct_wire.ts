/**
 * What the direct path (`direct_dispatch.ts`, `direct_list.ts`) checks of a request before it
 * answers one itself: the checks the SDK's entry and transports make, reduced to the requests they
 * all let through. How it writes the answer, in the SDK's framing of each era: `direct_sse.ts`.
 */

import {
  classifyInboundRequest,
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  isJsonContentType,
  LOG_LEVEL_META_KEY,
  PROTOCOL_VERSION_META_KEY,
  SERVER_INFO_META_KEY,
  SUPPORTED_PROTOCOL_VERSIONS,
} from "@modelcontextprotocol/server";
import { BoundedMap } from "../bounded_map.ts";
import { SERVER_NAME, VERSION } from "../version.ts";

/** The one modern revision the SDK serves (its `SUPPORTED_MODERN_PROTOCOL_VERSIONS`). */
export const MODERN_REVISION = "2026-07-28";

/** Which framing an answer takes: the SDK's 2026-07-28 JSON or its 2025 SSE stream. */
export type Era = "modern" | "legacy";

/** The `_meta` the 2026-07-28 codec stamps on every result: the server's identity. */
export const SERVER_INFO_META = {
  [SERVER_INFO_META_KEY]: { name: SERVER_NAME, version: VERSION },
};

const TOP_KEYS = new Set(["jsonrpc", "id", "method", "params"]);

/**
 * The era of `body` when it is one `method` request with `params` holding only `paramKeys`, no
 * session, and the era's headers as the SDK requires them (for 2026-07-28: the standard headers,
 * `Mcp-Name` equal to `name`, a valid envelope with nothing to relay). Undefined otherwise.
 */
export function plainRequestEra(
  request: Request,
  body: unknown,
  expected: { method: string; paramKeys: ReadonlySet<string>; name?: string },
): Era | undefined {
  if (!isPlain(body) || body.method !== expected.method || body.jsonrpc !== "2.0") return undefined;
  if (!hasOnlyKeys(body, TOP_KEYS) || !isRequestId(body.id)) return undefined;
  const params = body.params === undefined ? {} : body.params;
  if (!isPlain(params) || !hasOnlyKeys(params, expected.paramKeys)) return undefined;
  const headers = request.headers;
  // Why `get`, not `has`: on a served request Deno 2.9 reads one header lazily for `get`, while
  // `has` copies every header into JS first (about 3 µs a call).
  if (
    headers.get("mcp-session-id") !== null || !isJsonContentType(headers.get("content-type"))
  ) {
    return undefined;
  }
  const meta = params._meta;
  if (meta === undefined) return legacyReady(headers) ? "legacy" : undefined;
  if (!isPlain(meta) || !modernReady(headers, expected, meta)) return undefined;
  return modernEnvelope(request, body, meta) ? "modern" : undefined;
}

/** Keys a modern request's `_meta` may hold on the direct path (the envelope and a log level). */
const MODERN_META_KEYS = new Set<string>([
  PROTOCOL_VERSION_META_KEY,
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  LOG_LEVEL_META_KEY,
]);

/** The standard headers as the SDK requires them, and an envelope with nothing to relay. */
function modernReady(
  headers: Headers,
  expected: { method: string; name?: string },
  meta: Record<string, unknown>,
): boolean {
  if (headers.get("mcp-protocol-version") !== MODERN_REVISION) return false;
  if (headers.get("mcp-method") !== expected.method) return false;
  if (headers.get("mcp-name") !== (expected.name ?? null)) return false;
  if (!hasOnlyKeys(meta, MODERN_META_KEYS)) return false;
  const capabilities = meta[CLIENT_CAPABILITIES_META_KEY];
  // Why: a client declaring extensions (tasks) may get a task, which the SDK path relays.
  return isPlain(capabilities) && capabilities.extensions === undefined;
}

/**
 * What the SDK's stateless 2025 transport checks before it dispatches. Why no classifier: a
 * request without `_meta` and without a 2026-07-28 version header is 2025's (`no-claim`).
 */
function legacyReady(headers: Headers): boolean {
  const accept = headers.get("accept");
  if (!accept?.includes("application/json") || !accept.includes("text/event-stream")) return false;
  const version = headers.get("mcp-protocol-version");
  return version === null || SUPPORTED_PROTOCOL_VERSIONS.includes(version);
}

/**
 * Envelopes the SDK's classifier took as 2026-07-28 requests, by key. Why a memo: the classifier
 * validates the envelope with its schemas (about a tenth of a call's CPU), and a client sends the
 * same envelope with every request; with the headers and body shape checked here, the envelope is
 * all its decision depends on.
 */
const modernEnvelopes = new BoundedMap<string, boolean>(256);

function modernEnvelope(
  request: Request,
  body: Record<string, unknown>,
  meta: Record<string, unknown>,
): boolean {
  const key = envelopeKey(meta);
  let modern = modernEnvelopes.get(key);
  if (modern === undefined) {
    modern = classifiedModern(request, body);
    modernEnvelopes.set(key, modern);
  }
  return modern;
}

/**
 * The memo's key: for the envelope SDK clients send (a version, a client name and version, no
 * capabilities, maybe a log level) its fields, length-prefixed so no two envelopes share a key;
 * for any other, its JSON text.
 */
function envelopeKey(meta: Record<string, unknown>): string {
  const version = meta[PROTOCOL_VERSION_META_KEY];
  const info = meta[CLIENT_INFO_META_KEY];
  const level = meta[LOG_LEVEL_META_KEY] ?? "";
  const capabilities = meta[CLIENT_CAPABILITIES_META_KEY];
  if (
    typeof version === "string" && typeof level === "string" && isPlain(info) &&
    typeof info.name === "string" && typeof info.version === "string" &&
    Object.keys(info).length === 2 && isPlain(capabilities) &&
    Object.keys(capabilities).length === 0
  ) {
    return `\u0000${version.length}:${version}${info.name.length}:${info.name}` +
      `${info.version.length}:${info.version}${level.length}:${level}`;
  }
  return JSON.stringify(meta);
}

function classifiedModern(request: Request, body: Record<string, unknown>): boolean {
  const headers = request.headers;
  const outcome = classifyInboundRequest({
    httpMethod: request.method.toUpperCase(),
    protocolVersionHeader: headers.get("mcp-protocol-version") ?? undefined,
    mcpMethodHeader: headers.get("mcp-method") ?? undefined,
    mcpNameHeader: headers.get("mcp-name") ?? undefined,
    body,
  });
  return outcome.kind === "modern" && outcome.messageKind === "request" &&
    outcome.classification.revision === MODERN_REVISION;
}

/** Whether `value` is a plain object (what `JSON.parse` makes of `{…}`). */
export function isPlain(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function hasOnlyKeys(value: Record<string, unknown>, allowed: ReadonlySet<string>): boolean {
  for (const key in value) if (!allowed.has(key)) return false;
  return true;
}

function isRequestId(id: unknown): id is string | number {
  return typeof id === "string" || Number.isSafeInteger(id);
}
