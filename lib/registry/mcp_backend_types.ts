/**
 * The federated backend's types: what a tool federated from an upstream MCP server needs of its
 * upstream client, and how the upstream's notifications and requests reach the calling client.
 * Re-exported by `types.ts`.
 */

/** What a federated call needs of an upstream MCP client (the SDK `Client` fits it). */
export interface McpCallClient {
  /** The connection's protocol era (`modern`: 2026-07-28); absent or undefined: not known. */
  getProtocolEra?(): "modern" | "legacy" | undefined;
  /** What the upstream declared at `initialize` (2025) or discovery; absent: not known. */
  getServerCapabilities?(): { tasks?: unknown } | undefined;
  /** Sends `tools/call` to the upstream; resolves with its result, passed through untouched. */
  callTool(
    params: {
      name: string;
      arguments?: Record<string, unknown>;
      inputResponses?: Record<string, unknown>;
      requestState?: string;
      /** 2025-11-25 task augmentation (`{ ttl }`), sent only to an upstream that supports it. */
      task?: Record<string, unknown>;
      _meta?: Record<string, unknown>;
    },
    options?: {
      signal?: AbortSignal;
      timeout?: number;
      onprogress?: (progress: { progress: number; total?: number; message?: string }) => void;
      allowInputRequired?: boolean;
    },
  ): Promise<unknown>;
}

/**
 * The client whose `tools/call` a federated call serves, as the upstream's notifications and
 * server-to-client requests see it (progress, log messages, elicitation, sampling, roots).
 */
export interface DownstreamCall {
  /** The protocol era of the client's request: `modern` is 2026-07-28. */
  readonly era: "modern" | "legacy";
  /**
   * The 2025-11-25 task augmentation the client's `tools/call` carried (`params.task`); passed to
   * an upstream that declares 2025-11-25 tasks for `tools/call`, dropped otherwise (the call then
   * runs at once, as the spec lets a receiver do).
   */
  readonly task?: Record<string, unknown>;
  /** The principal that calls; a parked 2026-07-28 call resumes only for the same principal. */
  readonly principalId: string;
  /** The client's `_meta.progressToken`; absent: the client asked for no progress. */
  readonly progressToken?: string | number;
  /**
   * The log level to ask a 2026-07-28 upstream for, so it sends logs at all: the one a 2026-07-28
   * client named on the request (its envelope; absent: none named, no logs), `debug` for a 2025
   * client (it sets its level per session, and `log` filters against it).
   */
  readonly logLevel?: string;
  /** Sends a notification related to the client's request (on its response stream). */
  notify(notification: { method: string; params?: Record<string, unknown> }): Promise<void>;
  /** Sends a log message related to the request, filtered by the client's log level. */
  log(params: { level: string; data: unknown; logger?: string }): Promise<void>;
  /**
   * Which server-to-client requests the client declared it can answer: from the request's
   * envelope (2026-07-28) or its session's `initialize` (2025); all false for a 2025 client
   * served without a session, whose answers could not come back.
   */
  readonly accepts: {
    readonly elicitation: boolean;
    readonly sampling: boolean;
    readonly roots: boolean;
  };
  /**
   * The client's declared `elicitation`, `sampling` and `roots` capabilities as it sent them,
   * told to a 2026-07-28 upstream on each call so it asks only for what this client can answer.
   */
  readonly capabilities?: Record<string, unknown>;
  /** A 2026-07-28 retry's `inputResponses` (untrusted client input). */
  readonly inputResponses?: Record<string, unknown>;
  /** A 2026-07-28 retry's `requestState`, as the client echoed it (untrusted). */
  readonly requestState?: string;
}

/** Runs federated calls of one upstream so its notifications and requests reach their client. */
export interface McpCallRelay {
  /**
   * Sends one call through `send` with `downstream` as the client the upstream's related messages
   * go to; resolves with the upstream's result, or with an `input_required` result for a
   * 2026-07-28 client when the upstream asked for input (resumed by the client's retry).
   */
  call(
    downstream: DownstreamCall,
    options: { tool: string; signal: AbortSignal; timeoutMs: number },
    send: (extra: {
      signal: AbortSignal;
      /** The token to send as `_meta.progressToken`; the relay routes the upstream's progress. */
      progressToken?: string;
      inputResponses?: Record<string, unknown>;
      requestState?: string;
    }) => Promise<unknown>,
  ): Promise<unknown>;
  /**
   * Whether `downstream` retries call `tool` parked on another gateway instance, which `call`
   * forwards there without calling `send`: the caller then needs no client of the upstream here,
   * and takes none of this instance's admission (call slot, circuit breaker). Raises nothing (a
   * `requestState` the gateway did not issue is `call`'s to refuse).
   */
  forwardsElsewhere(downstream: DownstreamCall, tool: string): boolean;
}

/** A tool federated from an upstream MCP server. */
export interface McpBackendSpec {
  /** Discriminant of `BackendSpec`: always `"mcp"`. */
  kind: "mcp";
  /** The upstream's name (`upstreams[].name`). */
  upstream: string;
  /** The tool's name at the upstream, before prefix and rename. */
  tool: string;
  /** Milliseconds before the call fails with `UPSTREAM_TIMEOUT` (the upstream's `timeout`). */
  timeoutMs: number;
  /**
   * The upstream's connected client; connects lazily and reconnects after a loss. `principal` (the
   * caller's id) picks the caller's own child of a `perClient` upstream.
   */
  client: (call?: { principal?: string }) => Promise<McpCallClient>;
  /**
   * Admits one call (the upstream's circuit breaker, then its `maxConcurrent` queue); resolves to
   * the call's finish, told whether the upstream failed (`failure`: unreachable, broken, timed out),
   * answered (`success`, a JSON-RPC error included) or neither (`ignored`: cancelled). Rejects with
   * a GatewayError (UPSTREAM_UNAVAILABLE, CANCELLED) when the call may not go.
   */
  admit?: (signal?: AbortSignal) => Promise<(outcome: "success" | "failure" | "ignored") => void>;
  /** Relays the upstream's notifications and server-to-client requests to the calling client. */
  relay?: McpCallRelay;
}
