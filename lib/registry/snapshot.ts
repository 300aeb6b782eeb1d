/**
 * Immutable registry snapshots: tools sorted once, `tools/list` descriptors built once, the
 * egress allowlist derived from HTTP tool URLs, and cursor pagination that survives reloads.
 */

import { GatewayError } from "../errors.ts";
import { TOOL_NAME_PATTERN } from "./fields.ts";
import { originOfUrlTemplate } from "./template.ts";
import type { RegistrySnapshot, ToolDefinition, ToolDescriptor, UpstreamSource } from "./types.ts";

/** One page of `tools/list`. */
export interface ToolPage {
  /** At most a page size of descriptors, in name order. */
  tools: ToolDescriptor[];
  /** Opaque cursor for the next page; absent on the last page. */
  nextCursor?: string;
}

/**
 * Builds a frozen snapshot from tools with unique names.
 * @throws GatewayError INVALID_TOOL when two tools share a name or an HTTP URL has no origin.
 */
export function buildSnapshot(
  tools: readonly ToolDefinition[],
  version: number,
  upstreams: readonly UpstreamSource[] = [],
): RegistrySnapshot {
  const sorted = [...tools].sort((a, b) => compareNames(a.name, b.name));
  const byName = new Map<string, ToolDefinition>();
  const egressOrigins = new Set<string>();
  for (const tool of sorted) {
    if (byName.has(tool.name)) {
      throw new GatewayError(
        "INVALID_TOOL",
        `Cannot build registry: duplicate tool "${tool.name}"`,
      );
    }
    byName.set(tool.name, tool);
    // Why not a credential-based tool's: its stand-in origin is never called; the executor
    // allows the credential's own origin per call, once it matches the file's `allow` patterns.
    if (tool.backend.kind === "http" && tool.backend.baseFrom === undefined) {
      egressOrigins.add(originOfUrlTemplate(tool.backend.url));
    }
  }
  return Object.freeze({
    version,
    tools: Object.freeze(sorted),
    byName,
    egressOrigins,
    descriptors: Object.freeze(sorted.map(describeTool)),
    upstreams: Object.freeze([...upstreams]),
  });
}

/** The MCP `Tool` shape of a definition, nothing internal (URL, auth, headers); raises nothing. */
export function describeTool(tool: ToolDefinition): ToolDescriptor {
  return Object.freeze({
    // Why first: an upstream's own fields pass through, but never override the gateway's own.
    ...tool.extra,
    name: tool.name,
    ...(tool.title === undefined ? {} : { title: tool.title }),
    description: tool.description,
    inputSchema: tool.inputSchema,
    ...(tool.outputSchema === undefined ? {} : { outputSchema: tool.outputSchema }),
    ...(tool.annotations === undefined ? {} : { annotations: tool.annotations }),
  });
}

/**
 * One page of descriptors after `cursor` (the name last returned, base64url-encoded), so a page
 * boundary stays correct when tools are added or removed between requests.
 * @throws GatewayError INVALID_PARAMS when the cursor was not issued by `pageOf`.
 */
export function pageOf(
  snapshot: Pick<RegistrySnapshot, "descriptors">,
  cursor: string | undefined,
  pageSize: number,
): ToolPage {
  const size = Math.max(1, Math.floor(pageSize));
  const start = cursor === undefined ? 0 : firstAfter(snapshot, decodeCursor(cursor));
  const tools = snapshot.descriptors.slice(start, start + size);
  const last = tools.at(-1);
  if (last === undefined || start + size >= snapshot.descriptors.length) return { tools };
  return { tools, nextCursor: encodeCursor(last.name) };
}

/**
 * A string that changes when anything a caller can observe about the tools changes; `handlerId`
 * names a TypeScript handler (same function, same id).
 */
export function fingerprintOf(
  tools: readonly ToolDefinition[],
  handlerId: (handler: object) => number,
): string {
  const sorted = [...tools].sort((a, b) => compareNames(a.name, b.name));
  const parts = sorted.map((tool) => {
    const { source: _source, checkInput: _in, checkOutput: _out, backend, ...rest } = tool;
    const spec = backend.kind === "ts"
      ? { ...backend, handler: handlerId(backend.handler) }
      : backend;
    return { ...rest, backend: spec };
  });
  return JSON.stringify(parts);
}

// Why: names are ASCII by the MCP rules, so UTF-16 order (`<`) is code-point order; localeCompare
// would make the order depend on the host's locale.
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function firstAfter(snapshot: Pick<RegistrySnapshot, "descriptors">, name: string): number {
  let low = 0;
  let high = snapshot.descriptors.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compareNames((snapshot.descriptors[middle] as ToolDescriptor).name, name) <= 0) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  return low;
}

function encodeCursor(name: string): string {
  return btoa(name).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function decodeCursor(cursor: string): string {
  let name: string | undefined;
  if (/^[A-Za-z0-9_-]+$/.test(cursor)) {
    try {
      name = atob(cursor.replaceAll("-", "+").replaceAll("_", "/"));
    } catch {
      name = undefined;
    }
  }
  if (name === undefined || !TOOL_NAME_PATTERN.test(name)) {
    throw new GatewayError("INVALID_PARAMS", "Invalid cursor: not one this gateway issued", {
      data: { cursor },
    });
  }
  return name;
}
