/**
 * `defineTool()` for TypeScript tool files: a typed, branded plain object the loader recognises
 * among a module's named exports. Validation happens at load, so a broken definition becomes a
 * load problem instead of a module that fails to import.
 */

import type { z } from "zod";
import type { ToolAnnotations, ToolContext } from "./types.ts";

/** Any zod object schema (strip, strict or loose). */
export type ZodObjectSchema = z.ZodObject<z.ZodRawShape, z.core.$ZodObjectConfig>;

/** What a tool author passes to `defineTool`. */
export interface ToolOptions<I extends ZodObjectSchema> {
  name: string;
  title?: string;
  description: string;
  /** Arguments; `z.toJSONSchema` turns it into the tool's `inputSchema` (draft 2020-12). */
  input: I;
  /** Structured result; becomes `outputSchema`. */
  output?: ZodObjectSchema;
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
  handler(args: z.output<I>, ctx: ToolContext): unknown;
}

const TOOL_BRAND: unique symbol = Symbol.for("nexus.registry.defineTool");

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
