/**
 * Validates the `http:` section of a YAML tool: method, URL (the host can never come from an
 * argument), query, headers, body, timeout and response shaping.
 */

import { isGatewayError } from "../errors.ts";
import { dotted, isPlainObject, readTimeout, type ReportProblem, unknownKeys } from "./fields.ts";
import { parseTemplate } from "./template.ts";
import { readPagination } from "./yaml_http_paging.ts";
import { readResponse } from "./yaml_http_response.ts";
import type {
  BodyEncoding,
  CredentialBase,
  HttpBackendSpec,
  HttpMethod,
  JsonValue,
} from "./types.ts";
import { credentialOrigin } from "./credential_base.ts";

/** What validating an `http:` section needs besides the section. */
export interface HttpSectionOptions {
  /** Declared top-level arguments; undefined skips the placeholder check (broken input). */
  args: ReadonlySet<string> | undefined;
  /** The file's base URL; `false` when it declares one that is broken (already reported). */
  baseUrl: string | CredentialBase | false | undefined;
  /** The tool's credential name, the source of a credential-based base URL. */
  auth?: string | undefined;
  report: ReportProblem;
}

type Path = readonly (string | number)[];

const HTTP_KEYS = [
  "method",
  "url",
  "query",
  "headers",
  "body",
  "bodyEncoding",
  "timeout",
  "response",
  "pagination",
];
const METHODS: readonly HttpMethod[] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"];
// Why DELETE: some APIs (GitHub's) take a body with DELETE; RFC 9110 allows it.
const BODY_METHODS: readonly HttpMethod[] = ["POST", "PUT", "PATCH", "DELETE"];
const BODY_ENCODINGS: readonly BodyEncoding[] = ["json", "form"];
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const FORBIDDEN_HEADERS = ["host", "content-length", "transfer-encoding", "connection"];

/** The HTTP backend spec, or undefined after reporting every problem found. */
export function readHttpBackend(
  value: unknown,
  options: HttpSectionOptions,
): HttpBackendSpec | undefined {
  const { report } = options;
  if (value === undefined) return void report({ path: [], message: `missing required key "http"` });
  if (!isPlainObject(value)) {
    return void report({ path: ["http"], message: "http must be a mapping" });
  }
  let failed = false;
  function note(problem: { path: Path; message: string }): void {
    failed = true;
    report(problem);
  }
  unknownKeys(value, HTTP_KEYS, ["http"]).forEach(note);
  const method = readMethod(value.method, note);
  const base = resolveBase(value.url, options, note);
  const url = readUrl(value.url, base.url, note);
  const query = readStringMap(value.query, ["http", "query"], note);
  const headers = readStringMap(value.headers, ["http", "headers"], note);
  checkHeaderNames(headers, note);
  const body = readBody(value.body, method, note);
  const bodyEncoding = readBodyEncoding(value.bodyEncoding, body, note);
  const timeoutMs = readTimeout(value.timeout, "http.timeout");
  if (typeof timeoutMs === "string") note({ path: ["http", "timeout"], message: timeoutMs });
  const response = readResponse(value.response, note);
  const pagination = readPagination(value.pagination, note);
  if (pagination?.spec !== undefined && method === "HEAD") {
    note({ path: ["http", "pagination"], message: "http.pagination is not allowed with HEAD" });
  }
  checkPlaceholders({ url, query, headers, body }, options.args, note);
  if (failed || !method || !url || typeof timeoutMs === "string" || !response || !pagination) {
    return undefined;
  }
  return {
    kind: "http",
    method,
    url,
    query,
    headers,
    ...(body === undefined ? {} : { body }),
    ...(bodyEncoding === "form" ? { bodyEncoding } : {}),
    timeoutMs,
    response,
    ...(pagination.spec === undefined ? {} : { pagination: pagination.spec }),
    ...(base.from === undefined ? {} : { baseFrom: base.from }),
  };
}

/**
 * The base a tool's `/path` URL is joined to: the file's `baseUrl`, or for a credential-based
 * one the credential's stand-in origin (the tool must then name its credential in `auth`).
 */
function resolveBase(
  url: unknown,
  options: HttpSectionOptions,
  report: ReportProblem,
): { url: string | false | undefined; from?: CredentialBase } {
  const { baseUrl } = options;
  if (typeof baseUrl !== "object") return { url: baseUrl };
  if (typeof url !== "string" || !url.trim().startsWith("/")) return { url: undefined };
  if (options.auth === undefined) {
    const message = 'a url starting with "/" in a file whose baseUrl comes from a credential ' +
      "needs auth: the credential that holds the base URL";
    report({ path: ["http", "url"], message });
    return { url: false };
  }
  return { url: credentialOrigin(options.auth), from: baseUrl };
}

/** Whether a parsed value is plain JSON (finite numbers, no special objects). */
export function isJsonValue(value: unknown): value is JsonValue {
  if (value === null || typeof value === "string" || typeof value === "boolean") return true;
  if (typeof value === "number") return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(isJsonValue);
  if (!isPlainObject(value) || Object.getPrototypeOf(value) !== Object.prototype) return false;
  return Object.values(value).every(isJsonValue);
}

function readMethod(value: unknown, report: ReportProblem): HttpMethod | undefined {
  if (value === undefined) return "GET";
  if (METHODS.includes(value as HttpMethod)) return value as HttpMethod;
  report({ path: ["http", "method"], message: `http.method must be one of ${METHODS.join(", ")}` });
  return undefined;
}

function readUrl(
  value: unknown,
  baseUrl: string | false | undefined,
  report: ReportProblem,
): string | undefined {
  const at = ["http", "url"];
  if (value === undefined) {
    return void report({ path: ["http"], message: `missing required key "http.url"` });
  }
  if (typeof value !== "string") {
    return void report({ path: at, message: "http.url must be a string" });
  }
  let url = value.trim();
  if (url.startsWith("/") && baseUrl === false) return undefined;
  if (url.startsWith("/") && baseUrl !== undefined) url = baseUrl + url;
  const problem = checkUrl(url, baseUrl !== undefined);
  if (problem === undefined) return url;
  report({ path: at, message: problem });
  return undefined;
}

function checkUrl(url: string, hasBaseUrl: boolean): string | undefined {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(url);
  if (!scheme) {
    return !hasBaseUrl && url.startsWith("/")
      ? 'url must be absolute: a url starting with "/" needs a baseUrl in the file'
      : "url must be absolute";
  }
  const rest = url.slice(scheme[0].length);
  const authority = rest.slice(0, rest.search(/[/?#]|$/));
  if (/[{}]/.test(authority)) {
    return "url may have placeholders only in its path and query, never its scheme, host or port";
  }
  let parsed: URL;
  try {
    const parts = parseTemplate(url);
    parsed = new URL(parts.map((part) => "arg" in part ? "x" : part.literal).join(""));
  } catch (error) {
    return isGatewayError(error)
      ? `url: ${templateDetail(error.message)}`
      : "url is not a valid URL";
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    return "url must use http or https";
  }
  if (parsed.username !== "" || parsed.password !== "") {
    return "url must not contain credentials: name a credential with auth instead";
  }
  return undefined;
}

function readStringMap(value: unknown, at: Path, report: ReportProblem): Record<string, string> {
  if (value === undefined) return {};
  if (!isPlainObject(value)) {
    report({ path: at, message: `${dotted(at)} must be a mapping of names to strings` });
    return {};
  }
  const result: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) {
    if (typeof item === "string" || typeof item === "number" || typeof item === "boolean") {
      result[key] = String(item);
    } else {
      report({ path: [...at, key], message: `${dotted([...at, key])} must be a string` });
    }
  }
  return result;
}

function checkHeaderNames(headers: Record<string, string>, report: ReportProblem): void {
  for (const name of Object.keys(headers)) {
    const at = ["http", "headers", name];
    if (!HEADER_NAME.test(name)) {
      report({ path: at, message: `header name "${name}" is not a valid HTTP header name` });
    } else if (FORBIDDEN_HEADERS.includes(name.toLowerCase())) {
      report({
        path: at,
        message: `header "${name}" is set by the gateway and cannot be templated`,
      });
    }
  }
}

function readBody(
  value: unknown,
  method: HttpMethod | undefined,
  report: ReportProblem,
): JsonValue | undefined {
  if (value === undefined) return undefined;
  const at = ["http", "body"];
  if (method !== undefined && !BODY_METHODS.includes(method)) {
    report({
      path: at,
      message: `body is not allowed with ${method}: only POST, PUT, PATCH and DELETE`,
    });
    return undefined;
  }
  if (!isJsonValue(value)) {
    return void report({ path: at, message: "http.body must be plain JSON" });
  }
  return value;
}

function readBodyEncoding(
  value: unknown,
  body: JsonValue | undefined,
  report: ReportProblem,
): BodyEncoding | undefined {
  if (value === undefined) return undefined;
  const at = ["http", "bodyEncoding"];
  if (!BODY_ENCODINGS.includes(value as BodyEncoding)) {
    return void report({ path: at, message: "http.bodyEncoding must be json or form" });
  }
  if (value === "form" && body !== undefined && !isPlainObject(body)) {
    report({ path: at, message: "http.bodyEncoding form needs http.body to be a mapping" });
    return undefined;
  }
  return value as BodyEncoding;
}

function checkPlaceholders(
  templates: { url?: string; query: object; headers: object; body?: JsonValue },
  args: ReadonlySet<string> | undefined,
  report: ReportProblem,
): void {
  const strings: Array<[Path, string]> = [];
  if (templates.url !== undefined) strings.push([["http", "url"], templates.url]);
  collectStrings(templates.query as JsonValue, ["http", "query"], strings);
  collectStrings(templates.headers as JsonValue, ["http", "headers"], strings);
  if (templates.body !== undefined) collectStrings(templates.body, ["http", "body"], strings);
  for (const [path, text] of strings) {
    let names: string[];
    try {
      names = parseTemplate(text).flatMap((part) => "arg" in part ? [part.arg] : []);
    } catch (error) {
      if (!isGatewayError(error)) throw error;
      report({ path, message: `${dotted(path)}: ${templateDetail(error.message)}` });
      continue;
    }
    for (const name of names) {
      if (args === undefined || args.has(name)) continue;
      const message = `placeholder "{${name}}" in ${dotted(path)} is not a declared argument ` +
        `(declare it in input.properties)`;
      report({ path, message });
    }
  }
}

function collectStrings(value: JsonValue, path: Path, out: Array<[Path, string]>): void {
  if (typeof value === "string") out.push([path, value]);
  else if (Array.isArray(value)) {
    value.forEach((item, i) => collectStrings(item, [...path, i], out));
  } else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) collectStrings(item, [...path, key], out);
  }
}

function templateDetail(message: string): string {
  return message.replace(/^Invalid template: /, "");
}
