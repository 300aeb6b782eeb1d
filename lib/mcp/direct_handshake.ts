/**
 * The handshakes on the direct path: `server/discover` (2026-07-28) and the 2025 `initialize`,
 * answered as the SDK answers them. Why: every client opens with one of them (a negotiating SDK
 * client probes `server/discover` first, a 2025 client sends `initialize` for every session), and
 * the SDK builds a server and a transport and zod-parses the message to answer what is, for a
 * given request, a constant. The wire stays exact: the answer is built from the same capabilities
 * and instructions the SDK's server instances declare (`capabilities.ts`), in the order the SDK's
 * handlers and codecs write them, and `tests/mcp/direct_dispatch_test.ts` compares it byte for
 * byte with the SDK path's; anything unusual (another key, an envelope to relay, a session to
 * open) is left to the SDK.
 */

import {
  isInitializeRequest,
  LATEST_PROTOCOL_VERSION,
  SUPPORTED_PROTOCOL_VERSIONS,
} from "@modelcontextprotocol/server";
import { SERVER_NAME, VERSION } from "../version.ts";
import { INSTRUCTIONS, serverCapabilities } from "./capabilities.ts";
import { answer } from "./direct_sse.ts";
import { isPlain, MODERN_REVISION, plainRequestEra, SERVER_INFO_META } from "./direct_wire.ts";
import { wantsSession } from "./legacy_sessions.ts";

/** What the handshakes read: the list cache hint, and whether a 2025 client may get a session. */
export interface HandshakeDeps {
  /** The cache hint's ttl the SDK servers declare for `server/discover` (`listTtlMs`). */
  listTtlMs: number;
  /** Whether the gateway federates a tool now (an `initialize` may then open a session). */
  federates: () => boolean;
}

const DISCOVER_PARAM_KEYS = new Set(["_meta"]);
const INITIALIZE_PARAM_KEYS = new Set(["protocolVersion", "capabilities", "clientInfo"]);
/** The 2025 revisions the SDK's servers negotiate, most preferred first. */
const LEGACY_VERSIONS = SUPPORTED_PROTOCOL_VERSIONS.filter((version) => version < MODERN_REVISION);

/** The answer to a plain `server/discover` or `initialize`; undefined for anything else. */
export function handshakeDirect(
  request: Request,
  body: unknown,
  deps: HandshakeDeps,
): Response | undefined {
  if (!isPlain(body)) return undefined;
  if (body.method === "server/discover") return discover(request, body, deps);
  if (body.method === "initialize") return initialize(request, body, deps);
  return undefined;
}

/**
 * `Server._ondiscover` through the 2026-07-28 codec: the served revisions, the capabilities, the
 * instructions, then `resultType`, the cache hint and the server's identity.
 */
function discover(
  request: Request,
  body: Record<string, unknown>,
  { listTtlMs }: HandshakeDeps,
): Response | undefined {
  const era = plainRequestEra(request, body, {
    method: "server/discover",
    paramKeys: DISCOVER_PARAM_KEYS,
  });
  // Why: a 2025-era `server/discover` is no method of that era; the SDK answers its error.
  if (era !== "modern") return undefined;
  // Why: the SDK refuses a hint it would not keep when it builds the server.
  if (!Number.isSafeInteger(listTtlMs) || listTtlMs < 0) return undefined;
  const result = {
    supportedVersions: [MODERN_REVISION],
    capabilities: serverCapabilities("modern"),
    instructions: INSTRUCTIONS,
    resultType: "complete",
    ttlMs: listTtlMs,
    cacheScope: "private",
    _meta: SERVER_INFO_META,
  };
  return answer("modern", JSON.stringify({ result, jsonrpc: "2.0", id: body.id }));
}

/**
 * `Server._oninitialize` through the 2025 transport: the requested revision when the SDK
 * negotiates it (else its latest 2025 one), the capabilities, the identity, the instructions.
 */
function initialize(
  request: Request,
  body: Record<string, unknown>,
  { federates }: HandshakeDeps,
): Response | undefined {
  const era = plainRequestEra(request, body, {
    method: "initialize",
    paramKeys: INITIALIZE_PARAM_KEYS,
  });
  const id = body.id;
  // Why the SDK's own check: it decides what the transport takes as an initialization request.
  if (era !== "legacy" || !isInitializeRequest(body)) return undefined;
  // Why: such a client gets a session (legacy_sessions.ts), whose id only that path issues.
  if (wantsSession(body) && federates()) return undefined;
  const requested = body.params.protocolVersion;
  const result = {
    protocolVersion: LEGACY_VERSIONS.includes(requested)
      ? requested
      : LEGACY_VERSIONS[0] ?? LATEST_PROTOCOL_VERSION,
    capabilities: serverCapabilities("legacy"),
    serverInfo: { name: SERVER_NAME, version: VERSION },
    instructions: INSTRUCTIONS,
  };
  return answer("legacy", JSON.stringify({ result, jsonrpc: "2.0", id }));
}
