/**
 * `response.htmlToText`: reduces HTML or XHTML string values (Confluence storage format, Jira
 * rendered fields) to plain text a model reads cheaply: block elements become line breaks, list
 * items get a bullet, every other tag (and script, style and CDATA wrappers) is dropped, entities
 * are decoded and whitespace is collapsed. Not a sanitizer: the output is text, never HTML.
 */

import type { JsonValue } from "../../registry/types.ts";
import { isJsonObject } from "./select.ts";

const BLOCK =
  /<\/?(?:p|div|br|h[1-6]|table|ul|ol|blockquote|pre|hr|section|article|ac:task)\b[^>]*>/gi;
const NAMED: Readonly<Record<string, string>> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: " ",
  ndash: "–",
  mdash: "—",
  hellip: "…",
  rsquo: "’",
  lsquo: "‘",
  rdquo: "”",
  ldquo: "“",
};

/** `value` with the strings at each dot path (`*` maps over arrays) reduced to text. */
export function applyHtmlToText(value: JsonValue, paths: readonly string[]): JsonValue {
  let result = value;
  for (const path of paths) result = mapAt(result, path.split("."), 0);
  return result;
}

function mapAt(value: JsonValue, segments: readonly string[], index: number): JsonValue {
  if (index === segments.length) return typeof value === "string" ? htmlToText(value) : value;
  const segment = segments[index] ?? "";
  if (Array.isArray(value)) {
    if (segment === "*") return value.map((item) => mapAt(item, segments, index + 1));
    if (!/^\d+$/.test(segment) || Number(segment) >= value.length) return value;
    const copy = [...value];
    copy[Number(segment)] = mapAt(copy[Number(segment)] ?? null, segments, index + 1);
    return copy;
  }
  if (!isJsonObject(value)) return value;
  if (segment === "*") {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, mapAt(item, segments, index + 1)]),
    );
  }
  if (!Object.hasOwn(value, segment)) return value;
  // Why fromEntries: a key "__proto__" stays data, never a prototype.
  return Object.fromEntries(
    Object.entries(value).map((
      [key, item],
    ) => [key, key === segment ? mapAt(item, segments, index + 1) : item]),
  );
}

/** Plain text of an HTML or XHTML fragment. */
export function htmlToText(html: string): string {
  const text = html
    // Why escaped: CDATA text (a code macro) may hold "<" that is code, not a tag.
    .replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, (_m, raw: string) => escapeText(raw))
    .replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, "")
    .replace(/<!--[\s\S]*?-->/g, "")
    .replace(/<li\b[^>]*>/gi, "\n• ")
    .replace(/<\/t[dh]\s*>/gi, "\t")
    .replace(/<\/tr\s*>/gi, "\n")
    .replace(BLOCK, "\n")
    .replace(/<[^>]*>/g, "");
  return decodeEntities(text)
    .split("\n")
    .map((line) => line.replace(/[ \u00a0]+/g, " ").trim())
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

function escapeText(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (entity, body: string) => {
    if (body[0] === "#") {
      const code = body[1] === "x" || body[1] === "X"
        ? parseInt(body.slice(2), 16)
        : parseInt(body.slice(1), 10);
      return Number.isInteger(code) && code > 0 && code <= 0x10ffff
        ? String.fromCodePoint(code)
        : entity;
    }
    return NAMED[body.toLowerCase()] ?? entity;
  });
}
