/**
 * Turning an upstream's `tools/list` into gateway tools: allow/deny globs, rename, describe,
 * prefix, the MCP name rules, and the merge with file tools where a clash is a problem naming
 * both sources. Pure functions over data; the connection is only captured, never called here.
 */

import { checkToolName, type JsonObject } from "../registry/mod.ts";
import type {
  McpBackendSpec,
  SourceLocation,
  ToolAnnotations,
  ToolDefinition,
} from "../registry/types.ts";
import type { UpstreamSpec } from "../upstream_spec/mod.ts";

/** An upstream entry with where it was declared (`nexus.yaml` or a tool file). */
export interface UpstreamEntry {
  /** The validated entry. */
  spec: UpstreamSpec;
  /** The file (and line) that declared it. */
  source: SourceLocation;
}

/** How federated tools reach their upstream at call time. */
export interface FederationCall {
  /** The upstream's connected client (for `perClient` upstreams, the caller's own child). */
  client: McpBackendSpec["client"];
  /** Admits a call (circuit breaker, `maxConcurrent` queue): its finish; rejects when refused. */
  admit?: McpBackendSpec["admit"];
  /** Relays the upstream's notifications and input requests to the calling client. */
  relay?: McpBackendSpec["relay"];
}

/** Fields of an upstream `Tool` the gateway reads; every other field passes through in `extra`. */
const OWN_FIELDS = ["name", "title", "description", "inputSchema", "outputSchema", "annotations"];

/** Whether `name` matches a glob where `*` is any run of characters and `?` one character. */
export function matchesGlob(glob: string, name: string): boolean {
  const pattern = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(
    /\?/g,
    ".",
  );
  return new RegExp(`^${pattern}$`).test(name);
}

/** The name a client sees for upstream tool `name`: renamed, then prefixed. */
export function federatedName(spec: UpstreamSpec, name: string): string {
  const base = spec.tools.rename[name] ?? name;
  return spec.prefix === "" ? base : `${spec.prefix}${spec.separator}${base}`;
}

/**
 * The gateway tools for one upstream's listing, and a problem for each tool left out because its
 * final name breaks the MCP rules (the rest are still served).
 */
export function federateTools(
  entry: UpstreamEntry,
  listed: readonly unknown[],
  call: FederationCall,
): { tools: ToolDefinition[]; problems: string[] } {
  const { spec } = entry;
  const tools: ToolDefinition[] = [];
  const problems: string[] = [];
  for (const raw of listed) {
    if (typeof raw !== "object" || raw === null || typeof (raw as JsonObject).name !== "string") {
      continue;
    }
    const tool = raw as JsonObject;
    const original = tool.name as string;
    if (!isAllowed(spec, original)) continue;
    const name = federatedName(spec, original);
    const problem = checkToolName(name);
    if (problem !== undefined) {
      problems.push(`upstream "${spec.name}" tool "${original}": ${problem}`);
      continue;
    }
    tools.push(toDefinition(entry, tool, { name, original, call }));
  }
  return { tools, problems };
}

/** Whether the allow/deny globs of `spec` keep upstream tool `name`. */
export function isAllowed(spec: UpstreamSpec, name: string): boolean {
  const { allow, deny } = spec.tools;
  if (allow.length > 0 && !allow.some((glob) => matchesGlob(glob, name))) return false;
  return !deny.some((glob) => matchesGlob(glob, name));
}

function toDefinition(
  entry: UpstreamEntry,
  tool: JsonObject,
  names: { name: string; original: string; call: FederationCall },
): ToolDefinition {
  const { spec, source } = entry;
  const annotations = isObject(tool.annotations) ? tool.annotations as ToolAnnotations : undefined;
  const extra = Object.fromEntries(
    Object.entries(tool).filter(([key]) => !OWN_FIELDS.includes(key)),
  );
  const description = spec.tools.describe[names.original] ??
    (typeof tool.description === "string" ? tool.description : "");
  return {
    name: names.name,
    ...(typeof tool.title === "string" ? { title: tool.title } : {}),
    description,
    inputSchema: isObject(tool.inputSchema) ? tool.inputSchema : { type: "object" },
    ...(isObject(tool.outputSchema) ? { outputSchema: tool.outputSchema } : {}),
    ...(annotations ? { annotations } : {}),
    ...(Object.keys(extra).length > 0 ? { extra } : {}),
    // Why auth on the tool too: the credential stage then records the credential in the audit
    // row and redacts its secrets from results; the HTTP transport injects it on every request,
    // a stdio child got it in its env (`${credential:NAME}`) when it started.
    ...(spec.auth !== undefined ? { auth: spec.auth } : {}),
    ...(spec.cacheTtlMs !== undefined && annotations?.readOnlyHint === true
      ? { cache: { ttlMs: spec.cacheTtlMs } }
      : {}),
    backend: {
      kind: "mcp",
      upstream: spec.name,
      tool: names.original,
      timeoutMs: spec.timeoutMs,
      client: names.call.client,
      ...(names.call.admit ? { admit: names.call.admit } : {}),
      ...(names.call.relay ? { relay: names.call.relay } : {}),
    },
    source,
    // Why no check: the upstream validates its own arguments, and its schema may use a dialect
    // or `$ref`s the gateway's compiler refuses; the schema is passed on untouched.
    checkInput: () => [],
  };
}

/**
 * File tools plus every upstream's tools. File tools always win; between upstreams the first in
 * `lists` order wins. Each clash is a problem naming both sources.
 */
export function mergeFederated(
  fileTools: readonly ToolDefinition[],
  lists: ReadonlyArray<{ upstream: string; tools: readonly ToolDefinition[] }>,
): { tools: ToolDefinition[]; problems: string[] } {
  const owner = new Map<string, string>();
  for (const tool of fileTools) {
    owner.set(tool.name, `tool file ${tool.source.file}:${tool.source.line}`);
  }
  const tools = [...fileTools];
  const problems: string[] = [];
  for (const list of lists) {
    for (const tool of list.tools) {
      const first = owner.get(tool.name);
      if (first !== undefined) {
        problems.push(
          `tool "${tool.name}" of upstream "${list.upstream}" clashes with the same name from ${first}`,
        );
        continue;
      }
      owner.set(tool.name, `upstream "${list.upstream}"`);
      tools.push(tool);
    }
  }
  return { tools, problems };
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
