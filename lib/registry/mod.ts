/**
 * The tool registry: loads YAML and TypeScript tool files, validates them with `file:line`
 * problems, builds immutable snapshots with prebuilt MCP descriptors, and hot-reloads them.
 * Tool-file format: `lib/registry/README.md`.
 */

/** The registry's data model (types only); raises nothing. */
export type {
  BackendSpec,
  BodyEncoding,
  CacheSpec,
  ContentBlock,
  CredentialBase,
  DownstreamCall,
  HttpBackendSpec,
  HttpErrorWhen,
  HttpMethod,
  HttpPagination,
  HttpResponseSpec,
  JsonObject,
  JsonValue,
  LoadProblem,
  McpBackendSpec,
  McpCallClient,
  McpCallRelay,
  RegistrySnapshot,
  SchemaCheck,
  SourceLocation,
  SqlBackendSpec,
  ToolAnnotations,
  ToolContext,
  ToolDefinition,
  ToolDescriptor,
  ToolHandler,
  ToolResult,
  TsBackendSpec,
  UpstreamSource,
} from "./types.ts";

/** `defineTool()` declares a TypeScript tool with zod-typed arguments; raises nothing. */
export { defineTool } from "./define_tool.ts";
/** What `defineTool` takes and returns, and the brand key it sets; types only. */
export type { DefinedTool, TOOL_BRAND, ToolOptions, ZodObjectSchema } from "./define_tool.ts";

/** `loadRegistry()` loads a tools dir; raises INVALID_CONFIG (no dir), INVALID_TOOL (strict). */
export { loadRegistry } from "./load.ts";
/** `formatProblem()` prints a load problem as `file:line: message`; raises nothing. */
export { formatProblem } from "./load.ts";
/** Options of `loadRegistry`; types only. */
export type { RegistryOptions } from "./load.ts";
/** The env reader for `baseUrl` and its allow rule; types only. */
export type { EnvAllowed, GetEnv } from "./yaml_loader.ts";

/** `createRegistryWatcher()` hot-reloads a tools dir; raises INVALID_CONFIG (no directory). */
export { createRegistryWatcher } from "./watch.ts";
/** The watcher and its options; types only. */
export type { RegistryWatcher, WatchOptions } from "./watch.ts";

/** `pageOf()` returns one `tools/list` page after a cursor; raises INVALID_PARAMS (bad cursor). */
export { pageOf } from "./snapshot.ts";
/** `buildSnapshot()` freezes tools into a snapshot; raises INVALID_TOOL (a shared name). */
export { buildSnapshot } from "./snapshot.ts";
/** One page of `tools/list`; type only. */
export type { ToolPage } from "./snapshot.ts";

/** `parseTemplate()` splits `{arg}` templates; raises INVALID_TOOL when malformed. */
export { parseTemplate } from "./template.ts";
/** `originOfUrlTemplate()` gives a URL template's fixed origin; raises INVALID_TOOL (not a URL). */
export { originOfUrlTemplate } from "./template.ts";
/** One piece of a parsed template; type only. */
export type { TemplatePart } from "./template.ts";

/** The `upstreams:` entry shape tool files accept (see `lib/upstream_spec/`); types only. */
export type {
  HttpTransport,
  StdioTransport,
  UpstreamSpec,
  UpstreamToolRules,
  UpstreamTransport,
} from "../upstream_spec/mod.ts";

/** What the registry knows of the vault (names, set settings); type only. */
export type { CredentialView } from "./requirements.ts";
/** `summarizeDisabled()` groups disabled-tool notes per file and reason; raises nothing. */
export { summarizeDisabled } from "./requirements.ts";
/** `originAllowed()` matches an origin against `allow` patterns (`https://*.x.com`); raises nothing. */
export { originAllowed } from "./credential_base.ts";

/** `checkToolName()` returns the problem with a tool name, undefined when it is valid. */
export { checkToolName } from "./fields.ts";
