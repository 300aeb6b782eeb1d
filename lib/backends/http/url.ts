/**
 * Builds an HTTP tool's request URL from its template. Arguments are percent-encoded so a value can
 * never change the scheme, host, port or the number of path segments.
 */

import { BoundedMap } from "../../bounded_map.ts";
import { GatewayError } from "../../errors.ts";
import type { HttpBackendSpec } from "../../registry/types.ts";
import {
  fillTemplate,
  optionalArg,
  parseTemplate,
  soleArgName,
  stringifyArg,
  type TemplatePart,
} from "./template.ts";

const DOT_SEGMENTS = new Set([".", ".."]);
const MAX_DECODE_ROUNDS = 5;

/**
 * Fills the URL template (path and query placeholders) and appends the tool's `query` map.
 * @throws GatewayError INVALID_INPUT when an argument is missing, not valid Unicode, or would form
 * an empty, `.` or `..` path segment.
 * @throws GatewayError INVALID_TOOL when the template is not an absolute URL with a fixed origin.
 */
export function buildUrl(
  spec: Pick<HttpBackendSpec, "url" | "query">,
  args: Record<string, unknown>,
): URL {
  const template = spec.url;
  const compiled = compiledUrl(template);
  let filled: string;
  if (compiled === undefined) {
    // Why the step-by-step path for a template that does not compile: its error is then the one
    // the first bad part raises, in the order the parts are filled.
    const { head, path, tail } = splitUrlTemplate(template);
    const filledPath = path.split("/").map((segment) => fillPathSegment(segment, args)).join("/");
    const filledTail = fillTemplate(parseTemplate(tail), args, {
      where: "the URL query",
      encode: encodeComponent,
    });
    filled = head + filledPath + filledTail;
  } else {
    filled = compiled.head;
    for (let index = 0; index < compiled.segments.length; index++) {
      const segment = compiled.segments[index]!;
      if (index > 0) filled += "/";
      filled += typeof segment === "string" ? segment : fillParsedSegment(segment, args);
    }
    if (compiled.tail.length > 0) {
      filled += fillTemplate(compiled.tail, args, {
        where: "the URL query",
        encode: encodeComponent,
      });
    }
  }
  let url: URL;
  try {
    url = new URL(filled);
  } catch {
    throw new GatewayError(
      "INVALID_TOOL",
      `Invalid URL template "${template}": not an absolute URL`,
    );
  }
  appendQuery(url, spec.query, args);
  return url;
}

/** A path segment with placeholders, parsed. */
interface ParsedSegment {
  parts: readonly TemplatePart[];
  firstArg: string;
}

/** A URL template split and parsed once: the fixed head, the path's segments, the query part. */
interface CompiledUrl {
  head: string;
  /** A segment without placeholders as its text. */
  segments: readonly (string | ParsedSegment)[];
  tail: readonly TemplatePart[];
}

// Why: splitting and parsing the template was about a tenth of an HTTP call's own CPU, every call,
// for text that is fixed per tool. Keyed by the template text.
const compiledUrls = new BoundedMap<string, CompiledUrl>(1024);

function compiledUrl(template: string): CompiledUrl | undefined {
  let compiled = compiledUrls.get(template);
  if (compiled !== undefined) return compiled;
  try {
    const { head, path, tail } = splitUrlTemplate(template);
    const segments = path.split("/").map((segment): string | ParsedSegment => {
      const parts = parseTemplate(segment);
      const firstArg = parts.find((part): part is { arg: string } => "arg" in part);
      return firstArg === undefined ? segment : { parts, firstArg: firstArg.arg };
    });
    compiled = { head, segments, tail: parseTemplate(tail) };
  } catch {
    return undefined;
  }
  compiledUrls.set(template, compiled);
  return compiled;
}

function splitUrlTemplate(template: string): { head: string; path: string; tail: string } {
  const schemeEnd = template.indexOf("://");
  const authorityStart = schemeEnd === -1 ? 0 : schemeEnd + 3;
  const pathStart = firstIndexOf(template, ["/", "?", "#"], authorityStart);
  const head = template.slice(0, pathStart);
  if (schemeEnd === -1 || /[{}]/.test(head)) {
    // Why: placeholders in scheme, host or port would let an argument pick where we send the call.
    throw new GatewayError(
      "INVALID_TOOL",
      `Invalid URL template "${template}": placeholders are allowed only in the path and query`,
    );
  }
  const tailStart = firstIndexOf(template, ["?", "#"], pathStart);
  return {
    head,
    path: template.slice(pathStart, tailStart),
    tail: template.slice(tailStart),
  };
}

function firstIndexOf(text: string, needles: string[], from: number): number {
  const found = needles.map((needle) => text.indexOf(needle, from)).filter((index) => index >= 0);
  return found.length === 0 ? text.length : Math.min(...found);
}

function fillPathSegment(segment: string, args: Record<string, unknown>): string {
  const parts = parseTemplate(segment);
  const firstArg = parts.find((part): part is { arg: string } => "arg" in part);
  if (firstArg === undefined) return segment;
  return fillParsedSegment({ parts, firstArg: firstArg.arg }, args);
}

function fillParsedSegment(segment: ParsedSegment, args: Record<string, unknown>): string {
  const filled = fillTemplate(segment.parts, args, {
    where: "the URL path",
    encode: encodeComponent,
  });
  // Why only with a "%": without one, decoding gives the same text back.
  const decoded = (filled.includes("%") ? decodeFully(filled) : filled).toLowerCase();
  if (DOT_SEGMENTS.has(decoded)) {
    throw new GatewayError(
      "INVALID_INPUT",
      `Argument "${segment.firstArg}": path segment cannot be "." or ".."`,
    );
  }
  if (filled === "") {
    // Why: an empty segment turns `/users/{id}/repos` into `/users//repos`, which many servers
    // collapse to `/users/repos`: a different resource than the tool author meant.
    throw new GatewayError(
      "INVALID_INPUT",
      `Argument "${segment.firstArg}": path segment is empty`,
    );
  }
  return filled;
}

function encodeComponent(value: string, argName: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    throw new GatewayError("INVALID_INPUT", `Argument "${argName}": not valid Unicode text`);
  }
}

// Why: some upstreams and proxies decode more than once, so `%252e%252e` must count as `..` too.
function decodeFully(text: string): string {
  let current = text;
  for (let round = 0; round < MAX_DECODE_ROUNDS; round++) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      return current;
    }
    if (next === current) return current;
    current = next;
  }
  return current;
}

function appendQuery(
  url: URL,
  query: Record<string, string>,
  args: Record<string, unknown>,
): void {
  for (const [name, template] of Object.entries(query)) {
    // Why `searchParams` read only to append: once read, the URL keeps its params object (and
    // the URL lives as long as the call: heap per call in flight).
    for (const value of queryValues(name, template, args)) url.searchParams.append(name, value);
  }
}

function queryValues(name: string, template: string, args: Record<string, unknown>): string[] {
  const parts = parseTemplate(template);
  const argName = soleArgName(parts);
  if (argName === undefined) {
    return [fillTemplate(parts, args, { where: `query parameter "${name}"` })];
  }
  // Why: a parameter that is exactly one optional argument is left out rather than sent empty.
  const value = optionalArg(args, argName);
  if (value === undefined) return [];
  return Array.isArray(value) ? value.map(stringifyArg) : [stringifyArg(value)];
}
