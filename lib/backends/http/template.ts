/**
 * Placeholder templates for HTTP tools: `{argName}` names an argument, `{{` and `}}` are literal
 * braces. Parsing is separate from substitution so each caller decides how a value is encoded.
 */

import { GatewayError } from "../../errors.ts";

/** One piece of a parsed template: literal text or a placeholder naming an argument. */
export type TemplatePart = { kind: "text"; text: string } | { kind: "arg"; name: string };

// Why: the same names the registry accepts (lib/registry/template.ts), so load and call agree.
const ARG_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * Splits a template into literal text and placeholders.
 * @throws GatewayError INVALID_TOOL when a brace is unbalanced or a placeholder name is invalid.
 */
export function parseTemplate(template: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let text = "";
  let index = 0;
  while (index < template.length) {
    const char = template[index];
    const next = template[index + 1];
    if ((char === "{" && next === "{") || (char === "}" && next === "}")) {
      text += char;
      index += 2;
    } else if (char === "{") {
      const close = template.indexOf("}", index + 1);
      const name = close === -1 ? "" : template.slice(index + 1, close);
      if (!ARG_NAME.test(name)) throw templateError(template, `bad placeholder at offset ${index}`);
      if (text !== "") parts.push({ kind: "text", text });
      parts.push({ kind: "arg", name });
      text = "";
      index = close + 1;
    } else if (char === "}") {
      throw templateError(template, `unmatched "}" at offset ${index}`);
    } else {
      text += char;
      index += 1;
    }
  }
  if (text !== "") parts.push({ kind: "text", text });
  return parts;
}

/** The argument name when the whole template is one placeholder (`"{id}"`), else `undefined`. */
export function soleArgName(parts: readonly TemplatePart[]): string | undefined {
  const only = parts[0];
  return parts.length === 1 && only?.kind === "arg" ? only.name : undefined;
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
    if (part.kind === "text") return part.text;
    const text = stringifyArg(requireArg(args, part.name, options.where));
    return options.encode === undefined ? text : options.encode(text, part.name);
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

function templateError(template: string, reason: string): GatewayError {
  return new GatewayError("INVALID_TOOL", `Invalid placeholder template "${template}": ${reason}`);
}
