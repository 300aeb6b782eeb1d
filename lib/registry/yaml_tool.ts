/**
 * Validates one entry of a YAML file's `tools:` list (plain data, already parsed) into a
 * `ToolDefinition`. Problems are reported with the path of the offending key so the caller can
 * turn it into a line number.
 */

import {
  checkAuthName,
  checkToolName,
  type FieldProblem,
  isPlainObject,
  readAnnotations,
  readCache,
  readRateLimit,
  readTags,
  type ReportProblem,
  unknownKeys,
} from "./fields.ts";
import type { SchemaCompiler, SchemaRole } from "./schema.ts";
import type {
  CredentialBase,
  JsonObject,
  SchemaCheck,
  SourceLocation,
  ToolDefinition,
} from "./types.ts";
import { isJsonValue, readHttpBackend } from "./yaml_http.ts";
import { readSqlBackend } from "./yaml_sql.ts";

/** What validating one entry needs besides the entry itself. */
export interface ToolEntryOptions {
  report: ReportProblem;
  compile: SchemaCompiler;
  source: SourceLocation;
  /** The file's `baseUrl` after env interpolation (or from credentials); `false` when broken. */
  baseUrl?: string | CredentialBase | false;
}

const TOOL_KEYS = [
  "name",
  "title",
  "description",
  "input",
  "output",
  "annotations",
  "auth",
  "http",
  "sql",
  "cache",
  "rateLimit",
  "tags",
];
const DEFAULT_INPUT: JsonObject = { type: "object", properties: {} };

/** The validated tool, or undefined after reporting every problem found. */
export function readYamlTool(
  entry: Record<string, unknown>,
  options: ToolEntryOptions,
): ToolDefinition | undefined {
  let failed = false;
  function report(problem: FieldProblem): void {
    failed = true;
    options.report(problem);
  }
  for (const problem of unknownKeys(entry, TOOL_KEYS, [])) report(problem);
  const name = readName(entry, report);
  const description = readDescription(entry, report);
  const title = readOptionalString(entry, "title", report);
  const input = readSchema(entry.input ?? DEFAULT_INPUT, "input", options.compile, report);
  const output = entry.output === undefined
    ? undefined
    : readSchema(entry.output, "output", options.compile, report);
  const extras = readExtras(entry, report);
  // Why: with a broken input schema every placeholder would look undeclared; skip that check.
  const args = input ? new Set(Object.keys(propertiesOf(input.schema))) : undefined;
  const backend = entry.sql !== undefined && entry.http === undefined
    ? readSqlBackend(entry.sql, { args, report })
    : readHttpBackend(entry.http, { args, baseUrl: options.baseUrl, auth: extras.auth, report });
  if (entry.sql !== undefined && entry.http !== undefined) {
    report({ path: ["sql"], message: "a tool has either http or sql, not both" });
  }
  if (failed || name === undefined || description === undefined || !input || !backend) {
    return undefined;
  }
  return {
    name,
    ...(title === undefined ? {} : { title }),
    description,
    inputSchema: input.schema,
    ...(output ? { outputSchema: output.schema, checkOutput: output.check } : {}),
    ...extras,
    backend,
    source: options.source,
    checkInput: input.check,
  };
}

/** The entry's name when it is a valid one. */
export function readName(
  entry: Record<string, unknown>,
  report: ReportProblem,
): string | undefined {
  if (entry.name === undefined) {
    report({ path: [], message: `missing required key "name"` });
    return undefined;
  }
  const problem = checkToolName(entry.name);
  if (problem === undefined) return entry.name as string;
  report({ path: ["name"], message: problem });
  return undefined;
}

function readDescription(
  entry: Record<string, unknown>,
  report: ReportProblem,
): string | undefined {
  if (entry.description === undefined) {
    report({ path: [], message: `missing required key "description"` });
    return undefined;
  }
  const description = readOptionalString(entry, "description", report);
  if (description?.trim() === "") {
    report({ path: ["description"], message: "description must not be empty" });
    return undefined;
  }
  return description;
}

function readOptionalString(
  entry: Record<string, unknown>,
  key: string,
  report: ReportProblem,
): string | undefined {
  const value = entry[key];
  if (value === undefined || typeof value === "string") return value;
  report({ path: [key], message: `${key} must be a string` });
  return undefined;
}

function readSchema(
  value: unknown,
  role: SchemaRole,
  compile: SchemaCompiler,
  report: ReportProblem,
): { schema: JsonObject; check: SchemaCheck } | undefined {
  if (!isPlainObject(value) || !isJsonValue(value)) {
    report({ path: [role], message: `${role} must be a JSON Schema mapping with type: object` });
    return undefined;
  }
  const schema = value as JsonObject;
  const check = compile(schema, role);
  if (typeof check !== "function") {
    report({ path: [role, ...check.path], message: check.message });
    return undefined;
  }
  return { schema, check };
}

function readExtras(
  entry: Record<string, unknown>,
  report: ReportProblem,
): Pick<ToolDefinition, "annotations" | "auth" | "cache" | "rateLimit" | "tags"> {
  const extras: Pick<ToolDefinition, "annotations" | "auth" | "cache" | "rateLimit" | "tags"> = {};
  if (entry.annotations !== undefined) {
    const annotations = readAnnotations(entry.annotations);
    if (Array.isArray(annotations)) annotations.forEach(report);
    else extras.annotations = annotations;
  }
  if (entry.auth !== undefined) {
    const problem = checkAuthName(entry.auth);
    if (problem === undefined) extras.auth = entry.auth as string;
    else report({ path: ["auth"], message: problem });
  }
  if (entry.cache !== undefined) {
    const cache = readCache(entry.cache, extras.annotations?.readOnlyHint === true);
    if (Array.isArray(cache)) cache.forEach(report);
    else extras.cache = cache;
  }
  if (entry.rateLimit !== undefined) {
    const rateLimit = readRateLimit(entry.rateLimit);
    if (Array.isArray(rateLimit)) rateLimit.forEach(report);
    else extras.rateLimit = rateLimit;
  }
  if (entry.tags !== undefined) {
    const tags = readTags(entry.tags);
    if (tags.every((tag) => typeof tag === "string")) extras.tags = tags as string[];
    else (tags as FieldProblem[]).forEach(report);
  }
  return extras;
}

function propertiesOf(schema: JsonObject | undefined): Record<string, unknown> {
  const properties = schema?.properties;
  return isPlainObject(properties) ? properties : {};
}
