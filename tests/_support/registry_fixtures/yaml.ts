/**
 * Runs the YAML loader on text in memory, for tests that check problems and their lines.
 */

import { createSchemaCompiler } from "../../../lib/registry/schema.ts";
import type { ToolDefinition } from "../../../lib/registry/types.ts";
import { parseToolYaml } from "../../../lib/registry/yaml_loader.ts";
import { printed } from "./tools_dir.ts";

/** Loads `text` as `t.yaml`; returns its tools and problems printed as `t.yaml:line: message`. */
export function loadYaml(
  text: string,
  env: Record<string, string> = {},
): { tools: ToolDefinition[]; problems: string[] } {
  const getEnv = (name: string) => new Map(Object.entries(env)).get(name);
  const result = parseToolYaml("t.yaml", text, { getEnv, compile: createSchemaCompiler() });
  return { tools: result.tools, problems: printed(result.problems) };
}

/** A file with one tool; `extra` is added verbatim (indented by 4) after `description`. */
export function oneTool(extra: string): string {
  return `tools:\n  - name: t1\n    description: A tool\n${extra}`;
}
