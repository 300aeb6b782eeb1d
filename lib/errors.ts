/**
 * The gateway's one error type and the one table that maps each error code to the wire.
 *
 * Every failure that can reach a client is a `GatewayError`; anything else is an internal fault and
 * is reported as `INTERNAL` with a request id and no internal text.
 */

/** The closed set of error codes the gateway can raise. */
export type ErrorCode =
  | "PARSE_ERROR"
  | "INVALID_REQUEST"
  | "METHOD_NOT_FOUND"
  | "INVALID_PARAMS"
  | "INVALID_INPUT"
  | "NOT_FOUND"
  | "CONFLICT"
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "ORIGIN_FORBIDDEN"
  | "PAYLOAD_TOO_LARGE"
  | "UNSUPPORTED_MEDIA_TYPE"
  | "NOT_ACCEPTABLE"
  | "REQUEST_TIMEOUT"
  | "RATE_LIMITED"
  | "UPSTREAM_ERROR"
  | "UPSTREAM_REJECTED"
  | "UPSTREAM_UNAVAILABLE"
  | "UPSTREAM_TIMEOUT"
  | "EGRESS_DENIED"
  | "OVERLOADED"
  | "CANCELLED"
  | "INVALID_CONFIG"
  | "INVALID_TOOL"
  | "INTERNAL";

/** How one error code appears on the wire. */
export interface ErrorMapping {
  /** JSON-RPC error code used when the error is a protocol error. */
  readonly jsonRpc: number;
  /** HTTP status used when the error is answered before any JSON-RPC exchange. */
  readonly http: number;
  /** `true`: the error becomes a `tools/call` result with `isError: true` the model can read. */
  readonly toolResult: boolean;
}

/**
 * JSON-RPC code for `RATE_LIMITED`: an implementation code in the server-error range
 * (-32000..-32099), deliberately not -32000/-32001 which SDKs use for their own faults.
 */
export const RATE_LIMITED_JSON_RPC_CODE: number = -32029;

/** The one table from error code to wire representation; a code without a row does not compile. */
export const ERROR_TABLE: Readonly<Record<ErrorCode, ErrorMapping>> = {
  PARSE_ERROR: { jsonRpc: -32700, http: 400, toolResult: false },
  INVALID_REQUEST: { jsonRpc: -32600, http: 400, toolResult: false },
  METHOD_NOT_FOUND: { jsonRpc: -32601, http: 404, toolResult: false },
  INVALID_PARAMS: { jsonRpc: -32602, http: 400, toolResult: false },
  // Why: argument validation failures are tool execution errors (MCP 2025-11-25, SEP-1303) so the
  // model can read which field was wrong and correct itself.
  INVALID_INPUT: { jsonRpc: -32602, http: 400, toolResult: true },
  NOT_FOUND: { jsonRpc: -32602, http: 404, toolResult: false },
  CONFLICT: { jsonRpc: -32602, http: 409, toolResult: false },
  UNAUTHENTICATED: { jsonRpc: -32001, http: 401, toolResult: false },
  FORBIDDEN: { jsonRpc: -32003, http: 403, toolResult: false },
  ORIGIN_FORBIDDEN: { jsonRpc: -32003, http: 403, toolResult: false },
  PAYLOAD_TOO_LARGE: { jsonRpc: -32600, http: 413, toolResult: false },
  UNSUPPORTED_MEDIA_TYPE: { jsonRpc: -32600, http: 415, toolResult: false },
  NOT_ACCEPTABLE: { jsonRpc: -32600, http: 406, toolResult: false },
  REQUEST_TIMEOUT: { jsonRpc: -32600, http: 408, toolResult: false },
  RATE_LIMITED: { jsonRpc: RATE_LIMITED_JSON_RPC_CODE, http: 429, toolResult: false },
  UPSTREAM_ERROR: { jsonRpc: -32010, http: 502, toolResult: true },
  // Why a protocol error: an upstream MCP server's JSON-RPC error reaches the client as the
  // upstream sent it (code, message and data in `GatewayError.relayed`), as if it had called the
  // upstream directly; -32010 is only the fallback for an error without `relayed`.
  UPSTREAM_REJECTED: { jsonRpc: -32010, http: 502, toolResult: false },
  UPSTREAM_UNAVAILABLE: { jsonRpc: -32011, http: 502, toolResult: true },
  UPSTREAM_TIMEOUT: { jsonRpc: -32012, http: 504, toolResult: true },
  EGRESS_DENIED: { jsonRpc: -32013, http: 403, toolResult: true },
  // Why a protocol error: the call never started (admission control shed it before the body was
  // read); the client retries after `Retry-After` / `data.retryAfterMs`.
  OVERLOADED: { jsonRpc: -32014, http: 503, toolResult: false },
  CANCELLED: { jsonRpc: -32800, http: 499, toolResult: false },
  INVALID_CONFIG: { jsonRpc: -32603, http: 500, toolResult: false },
  INVALID_TOOL: { jsonRpc: -32603, http: 500, toolResult: false },
  INTERNAL: { jsonRpc: -32603, http: 500, toolResult: false },
};

/** Structured details attached to an error; never contains secret material. */
export type ErrorData = Record<string, unknown>;

/**
 * What an HTTP upstream answered a call with: its final status and headers (after redirects).
 * Internal: it never reaches the client (headers may hold anything the upstream sent).
 */
export interface UpstreamReply {
  /** The HTTP status, e.g. `200` or `500`. */
  readonly status: number;
  /** The response headers (quota headers such as `Retry-After` are read from here). */
  readonly headers: Headers;
}

/** A JSON-RPC error an upstream MCP server answered with, relayed to the client as it was. */
export interface RelayedRpcError {
  /** The upstream's JSON-RPC error code. */
  readonly code: number;
  /** The upstream's error message. */
  readonly message: string;
  /** The upstream's error data, any JSON value; `undefined` when it sent none. */
  readonly data?: unknown;
}

/** The gateway's error: a code from the closed union, a client-safe message and optional data. */
export class GatewayError extends Error {
  /** The error's code; its row in `ERROR_TABLE` decides how it reaches the wire. */
  readonly code: ErrorCode;
  /** Structured details, sent as JSON-RPC `error.data` for protocol errors; `undefined` if none. */
  readonly data: ErrorData | undefined;
  /**
   * What the HTTP upstream answered, when the call failed after an answer (an upstream 500, a
   * body that timed out); `undefined` otherwise. Internal: never sent to the client.
   */
  readonly upstream: UpstreamReply | undefined;
  /**
   * The upstream MCP server's own JSON-RPC error (`UPSTREAM_REJECTED`), sent to the client in
   * place of this error's code, message and data; `undefined` otherwise.
   */
  readonly relayed: RelayedRpcError | undefined;

  /**
   * Creates an error with `code` and a client-safe `message` (sentence case, no trailing period);
   * `options.cause` is kept for the log only and never reaches the client, nor does
   * `options.upstream`. `options.relayed` is sent to the client verbatim instead of the code,
   * message and data.
   */
  constructor(
    code: ErrorCode,
    message: string,
    options: {
      data?: ErrorData;
      cause?: unknown;
      upstream?: UpstreamReply;
      relayed?: RelayedRpcError;
    } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "GatewayError";
    this.code = code;
    this.data = options.data;
    this.upstream = options.upstream;
    this.relayed = options.relayed;
  }

  /** The wire mapping of this error's code. */
  get mapping(): ErrorMapping {
    return ERROR_TABLE[this.code];
  }
}

/** Whether a value is a `GatewayError`. */
export function isGatewayError(value: unknown): value is GatewayError {
  return value instanceof GatewayError;
}

/**
 * Turns any thrown value into a `GatewayError` safe to show a client: a `GatewayError` passes
 * through, anything else becomes `INTERNAL` naming only the request id.
 */
export function toClientError(error: unknown, requestId: string): GatewayError {
  if (isGatewayError(error)) return error;
  return new GatewayError("INTERNAL", `Internal error: see gateway log for request ${requestId}`, {
    data: { requestId },
    cause: error,
  });
}
