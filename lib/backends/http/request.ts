/**
 * Turns an HTTP tool's request template and a call's arguments into the request to send: URL,
 * headers and JSON body. Pure: nothing here touches the network.
 */

import { GatewayError } from "../../errors.ts";
import { propagateTrace } from "../../log.ts";
import type { HttpBackendSpec, HttpMethod, JsonValue } from "../../registry/types.ts";
import { fillTemplate, optionalArg, parseTemplate, soleArgName } from "./template.ts";
import { buildUrl } from "./url.ts";

/** A request ready to send; `body` is JSON text when the method carries one. */
export interface UpstreamRequest {
  method: HttpMethod;
  url: URL;
  headers: Headers;
  body?: string;
}

const METHODS_WITH_BODY: ReadonlySet<HttpMethod> = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const HEADER_INJECTION = /[\r\n\0]/;

/**
 * Builds the upstream request for one call from the tool's template.
 * @throws GatewayError INVALID_INPUT when an argument is missing or would break the URL or a header.
 * @throws GatewayError INVALID_TOOL when a template is malformed.
 */
export function buildRequest(
  spec: HttpBackendSpec,
  args: Record<string, unknown>,
): UpstreamRequest {
  const url = buildUrl(spec, args);
  const headers = buildHeaders(spec.headers, args);
  propagateTrace(headers);
  const request: UpstreamRequest = { method: spec.method, url, headers };
  if (!METHODS_WITH_BODY.has(spec.method) || spec.body === undefined) return request;
  const body = fillJson(spec.body, args, "");
  if (body === undefined) return request;
  if (spec.bodyEncoding === "form") {
    if (!headers.has("content-type")) {
      headers.set("content-type", "application/x-www-form-urlencoded");
    }
    request.body = encodeForm(body);
    return request;
  }
  if (!headers.has("content-type")) headers.set("content-type", "application/json");
  request.body = JSON.stringify(body);
  return request;
}

/**
 * The filled body mapping as an HTML form: scalars as text, a list of scalars as the key repeated,
 * `null` left out. Why JSON text for a nested value: a form has no nesting, and APIs that take
 * one (Stripe's `a[b]`) disagree on the notation; the tool author can flatten it in the template.
 */
function encodeForm(body: JsonValue): string {
  const form = new URLSearchParams();
  const entries = typeof body === "object" && body !== null && !Array.isArray(body)
    ? Object.entries(body)
    : [];
  for (const [key, value] of entries) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item === null || item === undefined) continue;
      form.append(key, typeof item === "object" ? JSON.stringify(item) : String(item));
    }
  }
  return form.toString();
}

function buildHeaders(templates: Record<string, string>, args: Record<string, unknown>): Headers {
  const headers = new Headers();
  for (const [name, template] of Object.entries(templates)) {
    const parts = parseTemplate(template);
    const argName = soleArgName(parts);
    // Why: a header that is exactly one optional argument is left out rather than sent empty.
    if (argName !== undefined && optionalArg(args, argName) === undefined) continue;
    const value = fillTemplate(parts, args, { where: `header "${name}"` });
    const blame = parts.find((part) => "arg" in part);
    const subject = blame && "arg" in blame ? `Argument "${blame.arg}"` : `Header "${name}"`;
    if (HEADER_INJECTION.test(value)) {
      throw new GatewayError(
        "INVALID_INPUT",
        `${subject}: header "${name}" cannot contain CR, LF or NUL characters`,
      );
    }
    try {
      headers.set(name, value);
    } catch {
      throw new GatewayError(
        "INVALID_INPUT",
        `${subject}: not a valid value for header "${name}"`,
      );
    }
  }
  return headers;
}

/**
 * Fills a JSON body template: a string that is exactly `"{arg}"` becomes the argument's JSON value,
 * an absent argument drops its object key (or is `null` inside an array), other strings interpolate.
 */
function fillJson(
  node: JsonValue,
  args: Record<string, unknown>,
  path: string,
): JsonValue | undefined {
  if (typeof node === "string") return fillJsonString(node, args, path);
  if (Array.isArray(node)) {
    return node.map((item, index) => fillJson(item, args, `${path}[${index}]`) ?? null);
  }
  if (node === null || typeof node !== "object") return node;
  const entries = Object.entries(node)
    .map(([key, value]): [string, JsonValue | undefined] => [
      key,
      fillJson(value, args, path === "" ? key : `${path}.${key}`),
    ])
    .filter((entry): entry is [string, JsonValue] => entry[1] !== undefined);
  // Why: fromEntries defines own keys, so a template key "__proto__" stays data, not a prototype.
  return Object.fromEntries(entries);
}

function fillJsonString(
  template: string,
  args: Record<string, unknown>,
  path: string,
): JsonValue | undefined {
  const parts = parseTemplate(template);
  const argName = soleArgName(parts);
  if (argName === undefined) {
    return fillTemplate(parts, args, { where: path === "" ? "the body" : `body field "${path}"` });
  }
  // Why: arguments were validated against the tool's JSON Schema, so they are JSON values; an
  // explicit null stays null while an absent argument removes the key.
  return Object.hasOwn(args, argName) ? args[argName] as JsonValue | undefined : undefined;
}
