/**
 * Placeholder templates for HTTP tools: `{argName}` names an argument, `{{` and `}}` are literal
 * braces. Parsing is separate from substitution so each caller decides how a value is encoded.
 */

import { GatewayError } from "../../errors.ts";
import { parseTemplate, type TemplatePart } from "../../registry/mod.ts";

// Why: one parser for the placeholder syntax, the registry's, so load and call always agree.
export { parseTemplate, type TemplatePart };

/** The argument name when the whole template is one placeholder (`"{id}"`), else `undefined`. */
export function soleArgName(parts: readonly TemplatePart[]): string | undefined {
  const only = parts[0];
  return parts.length === 1 && only !== undefined && "arg" in only ? only.arg : undefined;
}

/** Options for {@linkcode fillTemplate}. */
export interface FillOptions {
  /** Names the place being built, for the message when an argument is missing. */
  where: string;
  /** Encodes each substituted value (already stringified); identity when absent. */
  encode?: (value: string, argName: string) => string;
}

/**
 * Fills every placeholder of a parsed template from `args`; literal text is kept as written.
 * @throws GatewayError INVALID_INPUT when a placeholder's argument is missing or null.
 */
export function fillTemplate(
  parts: readonly TemplatePart[],
  args: Record<string, unknown>,
  options: FillOptions,
): string {
  return parts.map((part) => {
    if ("literal" in part) return part.literal;
    const text = stringifyArg(requireArg(args, part.arg, options.where));
    return options.encode === undefined ? text : options.encode(text, part.arg);
  }).join("");
}

/** The argument's value when present and not null, else `undefined`. */
export function optionalArg(args: Record<string, unknown>, name: string): unknown {
  const value = Object.hasOwn(args, name) ? args[name] : undefined;
  return value === null ? undefined : value;
}

/** The argument's value, or INVALID_INPUT naming it when it is missing or null. */
function requireArg(args: Record<string, unknown>, name: string, where: string): unknown {
  const value = optionalArg(args, name);
  if (value === undefined) {
    throw new GatewayError("INVALID_INPUT", `Argument "${name}": required by ${where} but missing`);
  }
  return value;
}

/** Text form of an argument inside a string: strings as-is, objects and arrays as JSON text. */
export function stringifyArg(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value) ?? "";
}
