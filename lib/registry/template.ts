/**
 * The `{arg}` placeholder syntax shared by the registry (which validates templates at load) and
 * the HTTP backend (which fills them per call). `{{` and `}}` stand for literal braces.
 */

import { GatewayError } from "../errors.ts";
import type { JsonValue } from "./types.ts";

/** One piece of a parsed template: literal text or a reference to a top-level argument. */
export type TemplatePart = { literal: string } | { arg: string };

const ARG_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const EXACT_PLACEHOLDER = /^\{([A-Za-z_][A-Za-z0-9_-]*)\}$/;

/**
 * Splits a template into literal text and `{arg}` references; adjacent literals are merged.
 * @throws GatewayError INVALID_TOOL when a brace is unmatched or a placeholder name is malformed.
 */
export function parseTemplate(text: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let literal = "";
  let index = 0;
  while (index < text.length) {
    const char = text[index] as string;
    const next = text[index + 1];
    if ((char === "{" && next === "{") || (char === "}" && next === "}")) {
      literal += char;
      index += 2;
    } else if (char === "}") {
      throw templateError(`unmatched "}" at position ${index + 1}`);
    } else if (char === "{") {
      const end = text.indexOf("}", index);
      if (end === -1) throw templateError(`unmatched "{" at position ${index + 1}`);
      const name = text.slice(index + 1, end);
      if (!ARG_NAME.test(name)) {
        throw templateError(`"{${name}}" is not a placeholder: names are letters, digits, _ and -`);
      }
      if (literal !== "") parts.push({ literal });
      literal = "";
      parts.push({ arg: name });
      index = end + 1;
    } else {
      literal += char;
      index += 1;
    }
  }
  if (literal !== "") parts.push({ literal });
  return parts;
}

/**
 * Every argument named by a placeholder in the strings of a JSON value (object keys are literal),
 * each once, in order of first appearance.
 * @throws GatewayError INVALID_TOOL when a string holds a malformed template.
 */
export function placeholdersIn(value: JsonValue): string[] {
  const found = new Set<string>();
  collectPlaceholders(value, found);
  return [...found];
}

/** The argument name when `text` is exactly one placeholder (`"{labels}"`); raises nothing. */
export function isExactPlaceholder(text: string): string | undefined {
  return EXACT_PLACEHOLDER.exec(text)?.[1];
}

function collectPlaceholders(value: JsonValue, found: Set<string>): void {
  if (typeof value === "string") {
    for (const part of parseTemplate(value)) if ("arg" in part) found.add(part.arg);
  } else if (Array.isArray(value)) {
    for (const item of value) collectPlaceholders(item, found);
  } else if (value !== null && typeof value === "object") {
    for (const item of Object.values(value)) collectPlaceholders(item, found);
  }
}

function templateError(detail: string): GatewayError {
  return new GatewayError(
    "INVALID_TOOL",
    `Invalid template: ${detail}; write "{{" or "}}" for a brace`,
  );
}

/**
 * The origin (`https://host:port`) of a URL template whose placeholders are only in the path and
 * query, as the registry guarantees for every HTTP tool.
 * @throws GatewayError INVALID_TOOL when the template is malformed or not a URL.
 */
export function originOfUrlTemplate(template: string): string {
  const rendered = parseTemplate(template).map((part) => "arg" in part ? "x" : part.literal);
  try {
    return new URL(rendered.join("")).origin;
  } catch {
    throw new GatewayError("INVALID_TOOL", `Invalid template: not a URL: ${template}`);
  }
}
