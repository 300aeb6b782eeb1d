/**
 * Value rules shared by YAML and TypeScript tools: names, durations, rates, annotations and
 * credential names. Each check returns a problem message (lower case, no period) or a value.
 */

import { CREDENTIAL_NAME_PATTERN } from "../names.ts";
import { isLimitScope, LIMIT_SCOPES, RATE_PATTERN, REMOVED_LIMIT_SCOPES } from "../rates.ts";
import type { CacheSpec, ToolAnnotations } from "./types.ts";

/** A problem with one field, `path` relative to the tool entry (`["http", "url"]`). */
export interface FieldProblem {
  path: readonly (string | number)[];
  message: string;
}

/** Receives one problem; validators call it for each problem they find. */
export type ReportProblem = (problem: FieldProblem) => void;

/** MCP tool name rules (2025-11-25, SEP-986): 1-128 letters, digits, `_`, `-` and `.`. */
export const TOOL_NAME_PATTERN = /^[A-Za-z0-9_.-]{1,128}$/;
/** Tool tags: lower-case words policies and virtual servers select by. */
export const TAG_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,62}$/;
/** Default and maximum backend timeout. */
export const DEFAULT_TIMEOUT_MS = 30_000;
export const MAX_TIMEOUT_MS = 5 * 60_000;
/** Longest cache time-to-live a tool may ask for. */
export const MAX_CACHE_TTL_MS = 24 * 60 * 60_000;

const ANNOTATION_HINTS = ["readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"];
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Problem with a tool name, or undefined when it follows the MCP rules. */
export function checkToolName(name: unknown): string | undefined {
  if (typeof name !== "string") return "name must be a string";
  if (TOOL_NAME_PATTERN.test(name)) return undefined;
  return `name "${name}" breaks the MCP tool name rules: 1-128 letters, digits, "_", "-" or "."`;
}

/** Milliseconds of `"250ms"`, `"10s"`, `"2m"`, `"1h"` or a number of ms; undefined when invalid. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === "number") {
    return Number.isFinite(value) && value > 0 ? Math.round(value) : undefined;
  }
  if (typeof value !== "string") return undefined;
  const match = DURATION.exec(value.trim());
  if (!match) return undefined;
  const ms = Math.round(Number(match[1]) * (UNIT_MS[match[2] as string] ?? 0));
  return ms > 0 ? ms : undefined;
}

/** Timeout in ms (default 30 s), or a problem naming `key`. */
export function readTimeout(value: unknown, key: string): number | string {
  if (value === undefined) return DEFAULT_TIMEOUT_MS;
  const ms = parseDuration(value);
  if (ms === undefined) return `${key} must be a duration such as "250ms", "10s" or "2m"`;
  if (ms > MAX_TIMEOUT_MS) return `${key} must be at most 5m`;
  return ms;
}

/** Cache spec from `{ ttl }`, or problems; `readOnly` must be true for a cache to be allowed. */
export function readCache(value: unknown, readOnly: boolean): CacheSpec | FieldProblem[] {
  const at = ["cache"];
  if (!isPlainObject(value)) return [{ path: at, message: "cache must be a mapping with a ttl" }];
  const problems = unknownKeys(value, ["ttl"], at);
  const ttlMs = parseDuration(value.ttl);
  const ttlAt = ["cache", "ttl"];
  if (value.ttl === undefined) {
    problems.push({ path: at, message: `missing required key "cache.ttl"` });
  } else if (ttlMs === undefined) {
    problems.push({ path: ttlAt, message: `cache.ttl must be a duration such as "30s"` });
  } else if (ttlMs > MAX_CACHE_TTL_MS) {
    problems.push({ path: ttlAt, message: "cache.ttl must be at most 24h" });
  }
  if (!readOnly) {
    problems.push({
      path: at,
      message: "cache is only allowed when annotations.readOnlyHint is true",
    });
  }
  return problems.length > 0 || ttlMs === undefined ? problems : { ttlMs };
}

/** Problems with one `rateLimit` entry (scope and `N/sec|min|hour|day`). */
export function checkRateLimit(scope: string, rate: unknown): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const path = ["rateLimit", scope];
  const removed = REMOVED_LIMIT_SCOPES[scope];
  if (removed !== undefined) return [{ path, message: `rateLimit.${scope} ${removed}` }];
  if (!isLimitScope(scope)) {
    const message = `unknown key "rateLimit.${scope}": scopes are ${LIMIT_SCOPES.join(", ")}`;
    problems.push({ path, message });
  }
  if (typeof rate !== "string" || !RATE_PATTERN.test(rate.trim())) {
    const message =
      `rateLimit.${scope} must be a rate such as "60/min" (per sec, min, hour or day)`;
    problems.push({ path, message });
  }
  return problems;
}

/** Rate limits as a plain map, or problems. */
export function readRateLimit(value: unknown): Record<string, string> | FieldProblem[] {
  if (!isPlainObject(value)) {
    return [{
      path: ["rateLimit"],
      message: "rateLimit must be a mapping such as { perClient: 60/min }",
    }];
  }
  const problems = Object.entries(value).flatMap(([scope, rate]) => checkRateLimit(scope, rate));
  if (problems.length > 0) return problems;
  return Object.fromEntries(
    Object.entries(value).map(([scope, rate]) => [scope, String(rate).trim()]),
  );
}

/** MCP annotations with only the known keys and types, or problems. */
export function readAnnotations(value: unknown): ToolAnnotations | FieldProblem[] {
  const at = ["annotations"];
  if (!isPlainObject(value)) return [{ path: at, message: "annotations must be a mapping" }];
  const problems = unknownKeys(value, ["title", ...ANNOTATION_HINTS], at);
  if (value.title !== undefined && typeof value.title !== "string") {
    problems.push({ path: [...at, "title"], message: "annotations.title must be a string" });
  }
  for (const hint of ANNOTATION_HINTS) {
    if (value[hint] !== undefined && typeof value[hint] !== "boolean") {
      problems.push({ path: [...at, hint], message: `annotations.${hint} must be true or false` });
    }
  }
  return problems.length > 0 ? problems : { ...value } as ToolAnnotations;
}

/** Problem with a credential name, or undefined. */
export function checkAuthName(value: unknown): string | undefined {
  if (typeof value === "string" && CREDENTIAL_NAME_PATTERN.test(value)) return undefined;
  return "auth must be a credential name: 1-64 of a-z 0-9 _ -, starting with a letter or digit";
}

/** One problem per key of `value` not in `allowed`, naming it by its dotted path. */
export function unknownKeys(
  value: Record<string, unknown>,
  allowed: readonly string[],
  at: readonly (string | number)[],
): FieldProblem[] {
  return Object.keys(value)
    .filter((key) => !allowed.includes(key))
    .map((key) => ({ path: [...at, key], message: `unknown key "${dotted([...at, key])}"` }));
}

/** A field path as authors write it: `http.response.select`, `tools[2]` for indexes. */
export function dotted(path: readonly (string | number)[]): string {
  return path.map((part, i) => typeof part === "number" ? `[${part}]` : i === 0 ? part : `.${part}`)
    .join("");
}

/** Whether a value is a plain (non-array, non-null) object. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Tags from a list of tag words, or problems. */
export function readTags(value: unknown): string[] | FieldProblem[] {
  if (!Array.isArray(value) || !value.every((tag) => typeof tag === "string")) {
    return [{ path: ["tags"], message: "tags must be a list of strings" }];
  }
  const bad = value.filter((tag) => !TAG_PATTERN.test(tag));
  if (bad.length > 0) {
    const message = `tags must be lower-case words (a-z, 0-9, _ . -): ${bad.join(", ")}`;
    return [{ path: ["tags"], message }];
  }
  return [...new Set(value)];
}
