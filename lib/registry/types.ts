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

// Why a file of their own: the federated backend's contract with the MCP layer (client, relay,
// downstream call) is most of a type file by itself.
export type {
  DownstreamCall,
  McpBackendSpec,
  McpCallClient,
  McpCallRelay,
} from "./mcp_backend_types.ts";
import type { McpBackendSpec } from "./mcp_backend_types.ts";

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
