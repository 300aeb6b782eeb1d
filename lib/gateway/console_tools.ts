/**
 * The admin console's tool views and test calls over the open parts (`/admin/tools`): what
 * `nexus tools list` shows, with schemas and the policy view, and `nexus tools test` over HTTP.
 */

import { type Caller, DEFAULT_SERVER, type Principal, principalOf } from "../auth/mod.ts";
import { GatewayError } from "../errors.ts";
import type { AdminToolsDeps, AdminToolView } from "../http/mod.ts";
import type { TraceEvent, TraceSink } from "../mcp/mod.ts";
import type { LoadProblem, ToolDefinition, ToolResult } from "../registry/mod.ts";
import type { GatewayParts } from "./parts.ts";

/**
 * Runs one call through the whole pipeline, with the policies (`policy: true`) or outside them as
 * the local operator's is (`nexus tools test` and the console's test call both run this).
 */
export type ConsoleCall = (
  request: { name: string; arguments: unknown },
  options: { caller: Caller; policy: boolean; trace?: TraceSink },
) => Promise<ToolResult>;

/** The `/admin/tools` dependencies over `parts`, calls made through `call`. Raises nothing. */
export function consoleTools(parts: GatewayParts, call: ConsoleCall): AdminToolsDeps {
  return {
    list() {
      const policy = parts.security.policy();
      const served = parts.registry.current().tools.map((tool) => ({
        ...toolView(tool),
        policy: policy.describe(tool),
      }));
      const disabled = (parts.toolFiles.disabled?.() ?? []).map(disabledView);
      return Promise.resolve([...served, ...disabled]);
    },
    async test(name, args, options) {
      const principal = options.as === undefined
        ? options.admin
        : await clientPrincipal(parts, options.as);
      const trace: TraceEvent[] = [];
      const result = await call({ name, arguments: args }, {
        caller: { principal, server: DEFAULT_SERVER },
        policy: options.as !== undefined,
        trace: (event) => void trace.push(event),
      });
      return { result, trace };
    },
  };
}

function toolView(tool: ToolDefinition): AdminToolView {
  const backend = tool.backend;
  return {
    name: tool.name,
    ...(tool.title === undefined ? {} : { title: tool.title }),
    description: tool.description,
    source: backend.kind === "mcp"
      ? { kind: "upstream", upstream: backend.upstream }
      : { kind: "file", file: tool.source.file, line: tool.source.line },
    backend: backend.kind,
    ...(tool.auth === undefined ? {} : { credential: tool.auth }),
    ...(tool.annotations === undefined ? {} : { annotations: tool.annotations }),
    inputSchema: tool.inputSchema,
    ...(tool.outputSchema === undefined ? {} : { outputSchema: tool.outputSchema }),
  };
}

/** Why the name from the message: a disabled entry is not a `ToolDefinition` (as the CLI reads it). */
function disabledView(note: LoadProblem): AdminToolView {
  const named = /^tool "([^"]+)"(?: disabled)?: /.exec(note.message);
  return {
    name: named?.[1] ?? "-",
    description: "",
    source: { kind: "file", file: note.file, line: note.line },
    backend: "-",
    disabled: note.message.slice(named?.[0].length ?? 0),
  };
}

/** The principal of the active client key named `name`. */
async function clientPrincipal(parts: GatewayParts, name: string): Promise<Principal> {
  const now = Date.now();
  const row = (await parts.store.apiKeys.list()).find((key) =>
    key.name === name && key.scope === "mcp" && key.revokedAt === null &&
    (key.expiresAt === null || key.expiresAt > now)
  );
  if (row === undefined) throw new GatewayError("NOT_FOUND", `No active key for client "${name}"`);
  return principalOf(row);
}
