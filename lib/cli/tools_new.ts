/**
 * `nexus tools new NAME [--ts]`: writes a commented tool file into the tools directory, ready to
 * pass `nexus check` as written and to be edited into the real thing.
 */

import { join } from "node:path";
import type { Config } from "../config/mod.ts";
import { registryEnv } from "../gateway/mod.ts";
import { checkToolName, loadRegistry } from "../registry/mod.ts";
import { messageOf, writeErr, writeOut } from "./io.ts";

/**
 * Writes `NAME.yaml` (or `NAME.ts` with `ts`) into `config.toolsDir`; exit 2 for a name the tool
 * rules or the file rules refuse, 1 when the file or the tool already exists. Raises nothing.
 */
export async function scaffoldTool(
  config: Config,
  name: string,
  options: { ts: boolean },
): Promise<number> {
  const problem = checkToolName(name) ?? fileNameProblem(name, options.ts);
  if (problem !== undefined) {
    writeErr(`Cannot create tool: ${problem}`);
    return 2;
  }
  const path = join(config.toolsDir, `${name}.${options.ts ? "ts" : "yaml"}`);
  try {
    const { snapshot } = await loadRegistry(config.toolsDir, registryEnv(config, config.port));
    const existing = snapshot.byName.get(name);
    if (existing !== undefined) {
      writeErr(
        `Cannot create tool "${name}": already defined at ${existing.source.file}:${existing.source.line}`,
      );
      return 1;
    }
    // Why createNew: refusing to overwrite is decided by the file system, not by a racy check.
    await Deno.writeTextFile(path, options.ts ? tsTemplate(name) : yamlTemplate(name), {
      createNew: true,
    });
  } catch (error) {
    const reason = error instanceof Deno.errors.AlreadyExists ? "file exists" : messageOf(error);
    writeErr(`Cannot create ${path}: ${reason}`);
    return 1;
  }
  writeOut(`Created ${path}`);
  writeOut(`Next: edit it, run "nexus check", then "nexus tools test ${name} --args '{...}'"`);
  return 0;
}

/** Why: a name the loader would skip as a file (`_x`, `.x`, `x_test.ts`) would never load. */
function fileNameProblem(name: string, ts: boolean): string | undefined {
  if (name.startsWith("_") || name.startsWith(".")) {
    return `name "${name}" starts with "_" or ".": files named so are not loaded`;
  }
  if (ts && (name.endsWith("_test") || name.endsWith(".d"))) {
    return `name "${name}" makes a file name the loader skips (*_test.ts, *.d.ts)`;
  }
  return undefined;
}

/** A YAML HTTP tool against the demo API, every key explained. */
export function yamlTemplate(name: string): string {
  return `# Tool file written by "nexus tools new". Format: lib/registry/README.md
# Check it with "nexus check" and try it with
#   nexus tools test ${name} --args '{"message": "hello"}'
# A running gateway picks up every change to this file (hot reload).

# Base for URLs starting with "/". It may read NEXUS_TOOL_* variables: \${NEXUS_TOOL_MY_API_URL}.
# This default is the gateway's built-in demo API, so the tool works as written.
baseUrl: \${NEXUS_DEMO_URL:-http://127.0.0.1:8080/demo}

tools:
  - name: ${name}
    # What the tool does, written for the model that decides when to call it.
    description: Echo a message back from the demo API. Replace with what your tool does.
    # JSON Schema of the arguments; calls are checked against it before anything is sent.
    input:
      type: object
      properties:
        message: { type: string, minLength: 1, maxLength: 200, description: The text to echo. }
      required: [message]
      additionalProperties: false
    # Hints for clients (never trusted for security).
    annotations: { readOnlyHint: true, idempotentHint: true }
    # auth: my-api        # a credential stored with "nexus credentials set my-api --kind bearer"
    http:
      method: GET
      # {message} is filled from the argument; placeholders go in the path and query only.
      url: /echo/{message}
      headers: { Accept: application/json }
      timeout: 10s
      response:
        # Keep only what the model needs (dot paths into the JSON response).
        select: [message]
        maxBytes: 10000
    # cache: { ttl: 30s }               # read-only tools may cache results
    # rateLimit: { perClient: 60/min }
`;
}

/** A TypeScript tool, typed through `nexus/tool`. */
export function tsTemplate(name: string): string {
  return `// Tool file written by "nexus tools new --ts". Format: lib/registry/README.md
// Check it with "nexus check" and try it with
//   nexus tools test ${name} --args '{"text": "hello world"}'
// A running gateway re-imports this file when it changes (hot reload).
import { defineTool, z } from "nexus/tool";

// Every named export that is a defineTool(...) result is a tool.
export const ${identifierOf(name)} = defineTool({
  name: ${JSON.stringify(name)},
  // What the tool does, written for the model that decides when to call it.
  description: "Count the words of a text. Replace with what your tool does.",
  // The arguments, checked before the handler runs; the handler gets them typed.
  input: z.object({ text: z.string().max(100_000).describe("The text to count.") }),
  output: z.object({ words: z.number().int() }),
  // Hints for clients (never trusted for security).
  annotations: { readOnlyHint: true, idempotentHint: true },
  timeout: "5s",
  // Return a string, a JSON value or a full MCP result; ctx.signal aborts on cancel or timeout.
  handler({ text }) {
    return { words: text.split(/\\s+/).filter(Boolean).length };
  },
});
`;
}

/** A JavaScript identifier for the export: `my-tool.v2` → `my_tool_v2`, `1x` → `tool_1x`. */
function identifierOf(name: string): string {
  const id = name.replace(/[^A-Za-z0-9_]/g, "_");
  return /^[0-9]/.test(id) ? `tool_${id}` : id;
}
