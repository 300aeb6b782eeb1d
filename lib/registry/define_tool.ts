/**
 * `defineTool()` for TypeScript tool files: a typed, branded plain object the loader recognises
 * among a module's named exports. Validation happens at load, so a broken definition becomes a
 * load problem instead of a module that fails to import.
 */

import type { z } from "zod";
import type { ToolAnnotations, ToolContext } from "./types.ts";

// Why `@ignore` on the two zod aliases below: `deno doc --lint` (Deno 2.9) reports every npm type a
// public type names as a private-type-ref (denoland/deno#27364, fixed upstream in #34339), and
// re-exporting zod's types would pull zod's whole undocumented surface into ours. These two
// aliases are the only places the public surface names a zod type; `@ignore` keeps them out of
// the generated docs (and the lint) without changing a single type. Drop the tags once Deno ships
// the fix.

/**
 * Any zod object schema (strip, strict or loose), as `z.object(...)` returns it.
 * @ignore
 */
export type ZodObjectSchema = z.ZodObject<z.ZodRawShape, z.core.$ZodObjectConfig>;

/**
 * The value a zod object schema `I` parses to (defaults and transforms applied): `z.output<I>`.
 * @ignore
 */
export type ZodOutput<I extends ZodObjectSchema> = z.output<I>;

/** What a tool author passes to `defineTool`. */
export interface ToolOptions<I extends ZodObjectSchema> {
  /** Unique across all tool files; 1-128 characters of `A-Z a-z 0-9 _ - .`. */
  name: string;
  /** Human-readable name shown by clients. */
  title?: string;
  /** What the tool does; the model reads it to decide when to call the tool. */
  description: string;
  /** Arguments; `z.toJSONSchema` turns it into the tool's `inputSchema` (draft 2020-12). */
  input: I;
  /** Structured result; becomes `outputSchema`. */
  output?: ZodObjectSchema;
  /** MCP hints for clients, never trusted for security; `readOnlyHint: true` allows `cache`. */
  annotations?: ToolAnnotations;
  /** Credential name (vault), lower-case letters, digits, `_` and `-`. */
  auth?: string;
  /** Response cache; allowed only with `annotations.readOnlyHint: true`. */
  cache?: { ttl: string | number };
  /** Per-scope limits such as `{ perClient: "60/min" }`. */
  rateLimit?: Record<string, string>;
  /** Labels policies and virtual servers select tools by. */
  tags?: string[];
  /** `"250ms"`, `"10s"`, `"2m"` or ms; default 30 s, at most 5 min. */
  timeout?: string | number;
  /** Runs with arguments already parsed by `input` (defaults and transforms applied). */
  handler(args: ZodOutput<I>, ctx: ToolContext): unknown;
}

/**
 * The key `defineTool` marks its results with, so the loader can tell them from other exports.
 * `mod.ts` re-exports it as a type only, so `DefinedTool` names no private symbol.
 */
export const TOOL_BRAND: unique symbol = Symbol.for("nexus.registry.defineTool");

/** The value `defineTool` returns; the loader registers it when it is a named export. */
export type DefinedTool<I extends ZodObjectSchema = ZodObjectSchema> =
  & Readonly<ToolOptions<I>>
  & { readonly [TOOL_BRAND]: true };

/** Declares a TypeScript tool; raises nothing (the loader validates and reports problems). */
export function defineTool<I extends ZodObjectSchema>(options: ToolOptions<I>): DefinedTool<I> {
  return Object.freeze({ ...options, [TOOL_BRAND]: true as const });
}

/** Whether a module export is a `defineTool` result; raises nothing. */
export function isDefinedTool(value: unknown): value is DefinedTool {
  return typeof value === "object" && value !== null &&
    (value as Record<symbol, unknown>)[TOOL_BRAND] === true;
}
