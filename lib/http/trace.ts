/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/) at the edge: a request's trace id is
 * the client's, from a valid `traceparent`, or a new one; the request gets its own span id, which
 * is the parent named in the `traceparent` sent to backends and upstreams.
 */

import { HEX_PAIRS } from "../hex.ts";
import type { RequestContext } from "../log.ts";

/** `version-traceid-parentid-flags`, lower-case hex; version `ff` is invalid by the spec. */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-.*)?$/;
const ZEROS = /^0+$/;

/** The parts of a valid `traceparent` header; undefined for an absent or invalid one. */
export function parseTraceparent(
  header: string | null | undefined,
): { traceId: string; parentId: string; flags: string } | undefined {
  const match = TRACEPARENT.exec(header?.trim() ?? "");
  if (match === null) return undefined;
  const [, version, traceId, parentId, flags] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
  ];
  if (version === "ff" || ZEROS.test(traceId) || ZEROS.test(parentId)) return undefined;
  // Why: a future version may append fields, but version 00 has exactly four.
  if (version === "00" && header!.trim().length !== 55) return undefined;
  return { traceId, parentId, flags };
}

/**
 * The request context of one HTTP request: a new request id, the client's trace, else the trace
 * `traceIdOf` names (the runtime's server span under OpenTelemetry), else a new one.
 */
export function requestContextFor(
  request: Request,
  traceIdOf?: () => string | undefined,
): RequestContext {
  const incoming = parseTraceparent(request.headers.get("traceparent"));
  const traceId = incoming?.traceId ?? traceIdOf?.() ?? randomHex(16);
  // Why keep the flags: the client's sampling decision travels with its trace.
  const flags = incoming?.flags ?? "01";
  return {
    requestId: crypto.randomUUID(),
    traceId,
    // Why a join and not a template: a template builds a rope of five strings kept with the call.
    traceparent: ["00", traceId, randomHex(8), flags].join("-"),
  };
}

// Why a pool: one `getRandomValues` per 170 requests instead of two per request (a trace id and a
// span id); the bytes are the same CSPRNG output.
const POOL = new Uint8Array(4096);
let poolAt = POOL.length;
/** The hex pairs of one id, joined. Why one array reused: no allocation per id but the string. */
const PAIRS: string[] = [];

function randomHex(bytes: number): string {
  if (poolAt + bytes > POOL.length) {
    crypto.getRandomValues(POOL);
    poolAt = 0;
  }
  PAIRS.length = bytes;
  for (let index = 0; index < bytes; index++) PAIRS[index] = HEX_PAIRS[POOL[poolAt + index]!]!;
  poolAt += bytes;
  // Why a join and not `+=`: each `+=` past 12 characters adds a rope node (32 B), and the ids
  // live as long as the call: a 32-hex trace id was ten of them (heap per call in flight); a join
  // makes one flat string.
  return PAIRS.join("");
}
