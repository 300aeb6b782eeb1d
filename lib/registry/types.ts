/**
 * The data model of a loaded tool: what a YAML or TypeScript tool file becomes after validation.
 * Everything here is plain data except the TypeScript handler and the compiled validators.
 */

import type { UpstreamSpec } from "../upstream_spec/mod.ts";

/** A JSON value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | {
  [key: string]: JsonValue;
};

/** A JSON object (a JSON Schema, structured content, tool arguments). */
export type JsonObject = { [key: string]: JsonValue };

/** MCP tool annotations (hints for clients; never trusted for security). */
export interface ToolAnnotations {
  /** Display name for clients (MCP clients prefer the tool's own `title` when both are set). */
  title?: string;
  /** Claims the tool changes nothing; required before a tool may opt into the response cache. */
  readOnlyHint?: boolean;
  /** Claims the tool may delete or overwrite data (MCP default `true` when not read-only). */
  destructiveHint?: boolean;
  /** Claims repeating a call with the same arguments has no further effect (MCP default `false`). */
  idempotentHint?: boolean;
  /** Claims the tool reaches an open world of entities, such as the web (MCP default `true`). */
  openWorldHint?: boolean;
}

/** Where a definition came from, for error messages (`file:line`). */
export interface SourceLocation {
  /** Path of the tool file, as the tools directory was given joined with the file name. */
  file: string;
  /** 1-based line of the tool's entry (YAML) or of its export (TypeScript). */
  line: number;
}

/** HTTP methods an HTTP tool may use. */
export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD";

/** How an HTTP tool turns the upstream response into a tool result. */
export interface HttpResponseSpec {
  /** Dot paths kept from a JSON response (`fields.summary`, `items.*.id`); all when absent. */
  select?: string[];
  /** Dot paths (after `select`) whose HTML or XHTML string values are reduced to plain text. */
  htmlToText?: string[];
  /** Cap on the text returned to the client, in bytes; longer text is cut with a marker. */
  maxBytes: number;
  /** A rule that turns a 2xx JSON answer into an upstream error (Slack's `{ok: false}`). */
  errorWhen?: HttpErrorWhen;
}

/** `response.errorWhen`: the answer is an error when the value at `path` equals `equals`. */
export interface HttpErrorWhen {
  /** Dot path into the JSON body (`ok`, `meta.status`). */
  path: string;
  /** The JSON value that marks an error, compared deeply. */
  equals: JsonValue;
  /** Dot path whose value becomes the error text (`error`). */
  message?: string;
}

/**
 * `http.pagination`: how the next page is found, and how many pages one call may fetch. `items`
 * is the dot path of each page's array (the body itself when absent).
 */
export type HttpPagination =
  & { maxPages: number; items?: string }
  & (
    | { style: "cursor"; cursor: string; param: string }
    | { style: "link" }
    | { style: "nextUrl"; nextUrl: string }
  );

/**
 * `baseUrl: { fromCredential, allow }`: the base URL is a field of the tool's own credential (its
 * `baseUrl` setting, or a URL its OAuth token response carried, such as `instance_url`), read at
 * call time and allowed only when its origin matches one of `allow`.
 */
export interface CredentialBase {
  /** The credential field holding the base URL (`baseUrl`, `instance_url`). */
  field: string;
  /** Origin patterns (`https://*.atlassian.net`, `http://127.0.0.1:8080`) the base must match. */
  allow: string[];
}

/** How an HTTP tool's filled body is sent: JSON text, or an HTML form (`key=value&…`). */
export type BodyEncoding = "json" | "form";

/** An HTTP backend: a request template filled from the call's arguments. */
export interface HttpBackendSpec {
  /** Discriminant of `BackendSpec`: always `"http"`. */
  kind: "http";
  /** The request method; `GET` when the tool file names none. */
  method: HttpMethod;
  /** Absolute URL; `{arg}` placeholders only in the path and query, never scheme, host or port. */
  url: string;
  /** Query parameters; values may contain `{arg}` placeholders. */
  query: Record<string, string>;
  /** Request headers; values may contain `{arg}` placeholders. */
  headers: Record<string, string>;
  /** JSON body template; a string exactly `"{arg}"` becomes the argument's JSON value. */
  body?: JsonValue;
  /** `form`: the filled body mapping is sent as `application/x-www-form-urlencoded`; JSON if absent. */
  bodyEncoding?: BodyEncoding;
  /** Milliseconds before the call fails with `UPSTREAM_TIMEOUT`; default 30 000, at most 300 000. */
  timeoutMs: number;
  /** How the upstream response becomes the tool result. */
  response: HttpResponseSpec;
  /** Fetch further pages and concatenate their items; one page when absent. */
  pagination?: HttpPagination;
  /**
   * The base URL comes from the credential: `url` then starts with the stand-in origin
   * `https://<credential>.credential.invalid`, replaced at call time by the credential's field.
   */
  baseFrom?: CredentialBase;
}

/** What a TypeScript handler receives besides its arguments. */
export interface ToolContext {
  /** Aborted when the client cancels or the tool's timeout elapses. */
  signal: AbortSignal;
}

/** MCP content blocks a tool result may carry (text and image are what backends produce today). */
export type ContentBlock =
  | { type: "text"; text: string }
  | { type: "image"; data: string; mimeType: string }
  | { type: "resource_link"; uri: string; name: string; mimeType?: string };

/** A `tools/call` result as the gateway builds it. */
// Why: a type alias, not an interface, so it is assignable to the SDK's index-signature types.
export type ToolResult = {
  content: ContentBlock[];
  structuredContent?: JsonObject;
  isError?: boolean;
};

/** A TypeScript tool's handler: returns a string, a JSON value or a full `ToolResult`. */
export type ToolHandler = (
  args: Record<string, unknown>,
  ctx: ToolContext,
) => unknown | Promise<unknown>;

/** An in-process TypeScript backend. */
export interface TsBackendSpec {
  /** Discriminant of `BackendSpec`: always `"ts"`. */
  kind: "ts";
  /** Parses the arguments with the tool's zod `input`, then runs the author's handler. */
  handler: ToolHandler;
  /** Milliseconds before the call fails with `UPSTREAM_TIMEOUT`; default 30 000, at most 300 000. */
  timeoutMs: number;
}

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

/** A SQL backend: one named, parameterised query against a configured database. */
export interface SqlBackendSpec {
  /** Discriminant of `BackendSpec`: always `"sql"`. */
  kind: "sql";
  /** Name of a database under `databases:` in the gateway config. */
  database: string;
  /** The query as written, `:name` placeholders included. */
  query: string;
  /** The query split at its placeholders: `text[0] + params[0] + text[1] + …`. */
  text: string[];
  /** Placeholder names in order of appearance; each is a declared input property. */
  params: string[];
  /** Rows returned at most; absent: the database's `maxRows`. */
  maxRows?: number;
  /** Whether the query may write; false runs it in a read-only transaction. */
  write: boolean;
  /** The tool's `timeout` in milliseconds; absent: the database's `statementTimeout`. */
  statementTimeoutMs?: number;
  /** Bound on the whole call as other stages see it: the tool's timeout, or 30 000 ms. */
  timeoutMs: number;
}

/** The backend a tool call is routed to. */
export type BackendSpec = HttpBackendSpec | TsBackendSpec | SqlBackendSpec | McpBackendSpec;

/** Response-cache opt-in (acted on by the cache issue; validated here). */
export interface CacheSpec {
  /** How long a cached result is served, in milliseconds; at most 24 h. */
  ttlMs: number;
}

/** Validates a value against a compiled JSON Schema; returns problems, empty when valid. */
export type SchemaCheck = (value: unknown) => string[];

/** One tool, validated and ready to serve. */
export interface ToolDefinition {
  /** Unique across all tool files; 1-128 characters of `A-Z a-z 0-9 _ - .`. */
  name: string;
  /** Human-readable name shown by clients; absent when the file sets none. */
  title?: string;
  /** What the tool does; the model reads it to decide when to call the tool. */
  description: string;
  /** JSON Schema 2020-12 of the arguments (`type: object`). */
  inputSchema: JsonObject;
  /** JSON Schema 2020-12 of `structuredContent`; absent when the tool declares no output. */
  outputSchema?: JsonObject;
  /** MCP hints for clients, never trusted for security; absent when the file sets none. */
  annotations?: ToolAnnotations;
  /** Credential name the backend request is authenticated with (credential vault issue). */
  auth?: string;
  /** Response-cache opt-in; absent means results are never cached. */
  cache?: CacheSpec;
  /** Raw per-tool rate limits such as `{ perClient: "60/min" }` (rate-limit issue). */
  rateLimit?: Record<string, string>;
  /** Labels policies and virtual servers select tools by (`tags: [jira, read]`). */
  tags?: string[];
  /** Where a call to this tool is routed. */
  backend: BackendSpec;
  /** Where the tool was defined, for problems that name it. */
  source: SourceLocation;
  /** Compiled once at load: checks call arguments against `inputSchema`. */
  checkInput: SchemaCheck;
  /** Compiled once at load: checks `structuredContent` against `outputSchema`. */
  checkOutput?: SchemaCheck;
  /** Descriptor fields passed through as they are (an upstream tool's `icons`, `_meta`, …). */
  extra?: JsonObject;
}

/** A problem found while loading tool files, pointing at file and line. */
export interface LoadProblem {
  /** Path of the tool file the problem is in. */
  file: string;
  /** 1-based line the problem points at (1 when the whole file is at fault). */
  line: number;
  /** What is wrong, naming the tool and key (`tool "x": url must be absolute`). */
  message: string;
}

/** A tool as `tools/list` shows it (the MCP `Tool` shape): nothing internal, no URL, no auth. */
export interface ToolDescriptor {
  /** The tool's unique name, as `tools/call` expects it. */
  name: string;
  /** Human-readable name; absent when the tool sets none. */
  title?: string;
  /** What the tool does, for the model. */
  description: string;
  /** JSON Schema 2020-12 of the arguments. */
  inputSchema: JsonObject;
  /** JSON Schema 2020-12 of `structuredContent`; absent when the tool declares no output. */
  outputSchema?: JsonObject;
  /** MCP hints for clients; absent when the tool sets none. */
  annotations?: ToolAnnotations;
  /** Other fields an upstream tool carries (`icons`, `_meta`, `execution`), untouched. */
  [extra: string]: unknown;
}

/** An `upstreams:` entry of a tool file, with where it was declared. */
export interface UpstreamSource {
  /** The validated entry. */
  spec: UpstreamSpec;
  /** The tool file and the line of the entry. */
  source: SourceLocation;
}

/** One immutable view of the registry; a reload swaps in a new snapshot, never edits one. */
export interface RegistrySnapshot {
  /** Increases by one with every swap. */
  readonly version: number;
  /** Every tool, sorted by name in code-point order. */
  readonly tools: readonly ToolDefinition[];
  /** The same tools keyed by name, for `tools/call` lookup. */
  readonly byName: ReadonlyMap<string, ToolDefinition>;
  /** URL origins of all HTTP tools (`https://example.atlassian.net`): the egress allowlist. */
  readonly egressOrigins: ReadonlySet<string>;
  /** `tools/list` entries in the order of `tools`, built once per snapshot. */
  readonly descriptors: readonly ToolDescriptor[];
  /** Upstream MCP servers declared in tool files (their tools are federated by the gateway). */
  readonly upstreams: readonly UpstreamSource[];
  /**
   * The smallest `tools/list` TTL the upstreams behind this snapshot sent (2026-07-28 cache
   * hints); absent when none did. The served list's TTL is at most this.
   */
  readonly upstreamTtlMs?: number;
}
