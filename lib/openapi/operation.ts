/**
 * One operation to one YAML tool entry: name, description, annotations from the method, the
 * input schema from parameters and body, and the `http` request template.
 */

import type { JsonObject, JsonValue, ToolAnnotations } from "../registry/mod.ts";
import { emptyParts, inputSchema, type RequestParts } from "./args.ts";
import { type BodySource, mapBody, readBody } from "./body.ts";
import { arrayAt, isObject, type SpecVersion, stringAt } from "./doc.ts";
import { tagName } from "./names.ts";
import { mapParameters, readParameters } from "./params.ts";
import { resolveNode } from "./refs.ts";
import { cutText, joinText, TITLE_MAX, TOOL_DESCRIPTION_MAX } from "./text.ts";

/** One operation of the description. */
export interface Operation {
  path: string;
  /** Lower-case method as the path item keys it (`get`). */
  method: string;
  op: JsonObject;
  pathItem: JsonObject;
}

/** What building a tool needs besides the operation. */
export interface BuildOptions {
  doc: JsonObject;
  version: SpecVersion;
  name: string;
  /** The URL the path is appended to: `""` for the file's `baseUrl`, else an absolute server. */
  server: string;
  auth?: string;
}

/** A built tool entry and what was left out of it, or why the operation cannot be a tool. */
export type BuildResult = { entry: JsonObject; notes: string[] } | { skipped: string };

const SUPPORTED = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"];
const BODY_METHODS = ["POST", "PUT", "PATCH", "DELETE"];
const HINTS: Record<string, ToolAnnotations> = {
  GET: { readOnlyHint: true },
  HEAD: { readOnlyHint: true },
  POST: { readOnlyHint: false, destructiveHint: false },
  PUT: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  PATCH: { readOnlyHint: false, destructiveHint: true },
  DELETE: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
};

/** Builds the tool entry for one operation. */
export function buildTool(operation: Operation, options: BuildOptions): BuildResult {
  const method = operation.method.toUpperCase();
  if (!SUPPORTED.includes(method)) return { skipped: `method ${method} is not supported` };
  const { doc, version } = options;
  const rawParams = [operation.pathItem.parameters, operation.op.parameters]
    .flatMap((list) => arrayAt(list)).map((item) => resolveNode(doc, item).node);
  const parts = emptyParts(operation.path.startsWith("/") ? operation.path : `/${operation.path}`);
  mapParameters(parts, readParameters(doc, version, [rawParams]), version);
  const skipped = addBody(parts, method, readBody(doc, version, operation.op, rawParams), options);
  if (skipped !== undefined) return { skipped };
  const http: JsonObject = { method, url: options.server + parts.path };
  if (Object.keys(parts.query).length > 0) http.query = parts.query;
  if (Object.keys(parts.headers).length > 0) http.headers = parts.headers;
  if (parts.body !== undefined) http.body = parts.body;
  if (parts.bodyEncoding !== undefined && parts.body !== undefined) {
    http.bodyEncoding = parts.bodyEncoding;
  }
  const summary = stringAt(operation.op.summary);
  const tags = tagsOf(operation.op);
  const entry: JsonObject = {
    name: options.name,
    ...(summary === undefined ? {} : { title: cutText(summary, TITLE_MAX) }),
    description: describeOperation(operation, method),
    ...(tags.length > 0 ? { tags } : {}),
    annotations: HINTS[method] as JsonValue,
    ...(options.auth === undefined ? {} : { auth: options.auth }),
    input: inputSchema(parts),
    http,
  };
  return { entry, notes: parts.notes };
}

/** Maps the body into `parts`; returns why the operation cannot be a tool, if it cannot. */
function addBody(
  parts: RequestParts,
  method: string,
  body: BodySource | undefined,
  ctx: { doc: JsonObject; version: SpecVersion },
): string | undefined {
  if (body === undefined) return undefined;
  if (!BODY_METHODS.includes(method)) {
    if (body.required) return `${method} with a request body: YAML HTTP tools send none`;
    parts.notes.push(`optional request body left out (${method} sends none)`);
    return undefined;
  }
  const unsupported = mapBody(parts, body, ctx);
  if (unsupported === undefined) return undefined;
  if (body.required) return `${unsupported}: YAML HTTP tools send JSON and form bodies only`;
  parts.notes.push(`optional ${unsupported} left out`);
  return undefined;
}

function tagsOf(op: JsonObject): string[] {
  const tags = arrayAt(op.tags).flatMap((tag) => {
    const name = typeof tag === "string" ? tagName(tag) : undefined;
    return name === undefined ? [] : [name];
  });
  return [...new Set(tags)];
}

function describeOperation(operation: Operation, method: string): string {
  const { op } = operation;
  const summary = stringAt(op.summary);
  const description = stringAt(op.description);
  const text = joinText(
    op.deprecated === true ? "Deprecated." : undefined,
    summary,
    description === summary ? undefined : description,
  );
  const fallback = `${method} ${operation.path}`;
  return text === "" ? fallback : cutText(text, TOOL_DESCRIPTION_MAX);
}

/** Every operation of the description, in path order then the specification's method order. */
export function listOperations(doc: JsonObject, methods: readonly string[]): Operation[] {
  const operations: Operation[] = [];
  const paths = isObject(doc.paths) ? doc.paths : {};
  for (const [path, value] of Object.entries(paths)) {
    const pathItem = resolveNode(doc, value).node;
    for (const method of methods) {
      const op = pathItem[method];
      if (isObject(op)) operations.push({ path, method, op, pathItem });
    }
  }
  return operations;
}
