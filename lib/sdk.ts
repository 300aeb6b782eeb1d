/**
 * The public module for tool authors: everything a TypeScript tool file needs, and nothing of
 * the registry's internals. Tool files import it as `nexus/tool` (an entry of the import map in
 * `deno.json`), so the same import works from `tools/` and from any `NEXUS_TOOLS_DIR`.
 *
 * ```ts
 * import { defineTool, z } from "nexus/tool";
 *
 * export const echo = defineTool({
 *   name: "echo",
 *   description: "Echo a text.",
 *   input: z.object({ text: z.string() }),
 *   handler: ({ text }) => text,
 * });
 * ```
 *
 * Tool-file format: `lib/registry/README.md`.
 *
 * @module
 */

/** `defineTool()` declares a TypeScript tool with zod-typed arguments; raises nothing. */
export { defineTool } from "./registry/mod.ts";
/** What `defineTool` takes and returns, and the brand key it sets; types only. */
export type { DefinedTool, TOOL_BRAND, ToolOptions, ZodObjectSchema } from "./registry/mod.ts";
/** What a handler receives and may return: context, result, content blocks, JSON; types only. */
export type {
  ContentBlock,
  JsonObject,
  JsonValue,
  ToolAnnotations,
  ToolContext,
  ToolResult,
} from "./registry/mod.ts";
// Why this file is not in `deno task doc-lint`: the lint walks a re-exported npm namespace, so
// zod's whole undocumented surface would fail it (`@ignore` does not apply to re-exports). Every
// other export here is a re-export of lib/registry/mod.ts, which the lint checks.

/**
 * The zod the gateway derives JSON Schemas from; a tool's `input` and `output` must be built with
 * this `z` (the loader checks `instanceof z.ZodObject`).
 */
export { z } from "zod";
