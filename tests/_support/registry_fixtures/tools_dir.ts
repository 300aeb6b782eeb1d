/**
 * Temporary tools directories for registry tests, and snippets of valid tool files.
 */

import { formatProblem, type LoadProblem } from "../../../lib/registry/mod.ts";
import { loadState } from "../../../lib/registry/load.ts";
import type { FileResult } from "../../../lib/registry/yaml_loader.ts";

/**
 * The import lines of a TypeScript tool file written to a temp dir outside the repository: the
 * public `nexus/tool` module, resolved through the import map in `deno.json` (two lines, so the
 * `file:line` of problems in tests stays where it was).
 */
export const TOOL_IMPORTS =
  `// A tool file outside the repository.\nimport { defineTool, z } from "nexus/tool";`;

/** A temporary tools directory that tests write files into. */
export interface ToolsDir {
  dir: string;
  path(name: string): string;
  write(name: string, text: string): Promise<void>;
  remove(name: string): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Creates a temp dir holding `files`; `await using` removes it. */
export async function createToolsDir(files: Record<string, string> = {}): Promise<ToolsDir> {
  const dir = await Deno.makeTempDir({ prefix: "nexus_tools_" });
  const toolsDir: ToolsDir = {
    dir,
    path: (name) => `${dir}/${name}`,
    write: (name, text) => Deno.writeTextFile(`${dir}/${name}`, text),
    remove: (name) => Deno.remove(`${dir}/${name}`),
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  };
  for (const [name, text] of Object.entries(files)) await toolsDir.write(name, text);
  return toolsDir;
}

/**
 * Loads one tool file the way `loadRegistry` does (one load pass over its directory) and returns
 * that file's tools and problems; the tests keep it alone in its directory.
 */
export async function loadToolFile(path: string): Promise<FileResult> {
  const state = await loadState(path.slice(0, path.lastIndexOf("/")), undefined, {});
  const file = state.files.get(path);
  if (file === undefined) throw new Error(`Not a tool file in its directory: ${path}`);
  return file.result;
}

/** A valid YAML tool file with one GET tool per name. */
export function yamlTools(...names: string[]): string {
  const entries = names.map((name) =>
    [
      `  - name: ${name}`,
      `    description: Tool ${name}`,
      `    annotations: { readOnlyHint: true }`,
      `    http:`,
      `      url: https://api.example.com/${name}`,
    ].join("\n")
  );
  return `tools:\n${entries.join("\n")}\n`;
}

/** A valid TypeScript tool file exporting one tool per name (text result `<name>:<text>`). */
export function tsTools(...names: string[]): string {
  const exports = names.map((name, index) =>
    [
      `export const tool${index} = defineTool({`,
      `  name: "${name}",`,
      `  description: "Tool ${name}",`,
      `  input: z.object({ text: z.string().default("none") }),`,
      `  handler: ({ text }) => "${name}:" + text,`,
      `});`,
    ].join("\n")
  );
  return [
    TOOL_IMPORTS,
    ...exports,
    "",
  ].join("\n");
}

/** Problems as `file:line: message` strings with the temp dir replaced by `<dir>`. */
export function printed(problems: readonly LoadProblem[], dir?: string): string[] {
  return problems.map((problem) => {
    const text = formatProblem(problem);
    return dir === undefined ? text : text.replaceAll(dir, "<dir>");
  });
}

/** Polls `condition` every 20 ms until it holds or `timeoutMs` passes; returns whether it held. */
export async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return condition();
}
