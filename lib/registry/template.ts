/**
 * The `{arg}` placeholder syntax shared by the registry (which validates templates at load) and
 * the HTTP backend (which fills them per call). `{{` and `}}` stand for literal braces.
 */

import { GatewayError } from "../errors.ts";

/** One piece of a parsed template: literal text or a reference to a top-level argument. */
export type TemplatePart = { literal: string } | { arg: string };

const ARG_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

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
