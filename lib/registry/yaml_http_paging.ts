/**
 * Validates the two general answer-shaping rules of an HTTP tool: `http.response.errorWhen` (a
 * 2xx answer that is an error, such as Slack's `{ok: false}`) and `http.pagination` (cursor, RFC
 * 8288 `Link` header or next-URL paging, bounded by `maxPages`).
 */

import { dotted, isPlainObject, type ReportProblem, unknownKeys } from "./fields.ts";
import type { HttpErrorWhen, HttpPagination, JsonValue } from "./types.ts";

/** The most pages one call may fetch. */
export const MAX_PAGES = 20;

const DOT_PATH = /^[^.\s*]+(\.[^.\s*]+)*$/;
const PARAM_NAME = /^[^\s&=#]+$/;
const STYLE_KEYS: Readonly<Record<HttpPagination["style"], readonly string[]>> = {
  cursor: ["cursor", "param"],
  link: [],
  nextUrl: ["nextUrl"],
};

/** `response.errorWhen`, or undefined after reporting its problems (also when absent: `ok`). */
export function readErrorWhen(
  value: unknown,
  report: ReportProblem,
): { ok: true; rule?: HttpErrorWhen } | undefined {
  if (value === undefined) return { ok: true };
  const at = ["http", "response", "errorWhen"];
  if (!isPlainObject(value)) {
    return void report({ path: at, message: `${dotted(at)} must be a mapping` });
  }
  const problems = unknownKeys(value, ["path", "equals", "message"], at);
  checkPath(value.path, [...at, "path"], true, problems);
  checkPath(value.message, [...at, "message"], false, problems);
  if (!Object.hasOwn(value, "equals") || !isJson(value.equals)) {
    problems.push({ path: [...at], message: `${dotted(at)}.equals must be a JSON value` });
  }
  problems.forEach(report);
  if (problems.length > 0) return undefined;
  const rule: HttpErrorWhen = { path: value.path as string, equals: value.equals as JsonValue };
  if (typeof value.message === "string") rule.message = value.message;
  return { ok: true, rule };
}

/** `http.pagination`, or undefined after reporting its problems (also when absent: `ok`). */
export function readPagination(
  value: unknown,
  report: ReportProblem,
): { ok: true; spec?: HttpPagination } | undefined {
  if (value === undefined) return { ok: true };
  const at = ["http", "pagination"];
  if (!isPlainObject(value)) {
    return void report({ path: at, message: "http.pagination must be a mapping" });
  }
  const style = value.style as HttpPagination["style"];
  if (typeof style !== "string" || !Object.hasOwn(STYLE_KEYS, style)) {
    const message = "http.pagination.style must be one of cursor, link, nextUrl";
    return void report({ path: [...at, "style"], message });
  }
  const problems = unknownKeys(value, ["style", "maxPages", "items", ...STYLE_KEYS[style]], at);
  const { maxPages } = value;
  if (!Number.isInteger(maxPages) || (maxPages as number) < 1 || (maxPages as number) > MAX_PAGES) {
    const message = `http.pagination.maxPages is required: a whole number from 1 to ${MAX_PAGES}`;
    problems.push({ path: [...at, "maxPages"], message });
  }
  checkPath(value.items, [...at, "items"], false, problems);
  if (style === "cursor") {
    checkPath(value.cursor, [...at, "cursor"], true, problems);
    if (typeof value.param !== "string" || !PARAM_NAME.test(value.param)) {
      const message = "http.pagination.param must name the query parameter the cursor is sent in";
      problems.push({ path: [...at, "param"], message });
    }
  }
  if (style === "nextUrl") checkPath(value.nextUrl, [...at, "nextUrl"], true, problems);
  problems.forEach(report);
  if (problems.length > 0) return undefined;
  return { ok: true, spec: value as HttpPagination };
}

function checkPath(
  value: unknown,
  at: readonly (string | number)[],
  required: boolean,
  problems: Array<{ path: readonly (string | number)[]; message: string }>,
): void {
  if (value === undefined && !required) return;
  if (typeof value === "string" && DOT_PATH.test(value)) return;
  const message = `${dotted(at)} must be a dot path into the JSON body, such as meta.next`;
  problems.push({ path: at, message });
}

function isJson(value: unknown): boolean {
  if (value === null || typeof value === "string" || typeof value === "boolean") return true;
  if (typeof value === "number") return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(isJson);
  return isPlainObject(value) && Object.values(value).every(isJson);
}
