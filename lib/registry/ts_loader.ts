/**
 * Loads one TypeScript tool file: imports it and registers every named export that is a
 * `defineTool` result, with schemas derived from its zod objects (JSON Schema 2020-12).
 */

import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { GatewayError } from "../errors.ts";
import { type DefinedTool, isDefinedTool } from "./define_tool.ts";
import {
  checkAuthName,
  checkToolName,
  type FieldProblem,
  readAnnotations,
  readCache,
  readRateLimit,
  readTags,
  readTimeout,
} from "./fields.ts";
import type { SchemaCompiler, SchemaRole } from "./schema.ts";
import type { JsonObject, LoadProblem, SchemaCheck, ToolDefinition, ToolHandler } from "./types.ts";
import type { FileResult } from "./yaml_loader.ts";

/** What loading a TypeScript tool file needs besides its path and text. */
export interface TsFileOptions {
  compile: SchemaCompiler;
  /** Changes whenever the file's text does; busts Deno's module cache on reload. */
  revision: string;
}

/** Imports a tool module and validates its tools; never throws, every failure is a problem. */
export async function loadTsToolFile(
  file: string,
  text: string,
  options: TsFileOptions,
): Promise<FileResult> {
  const module = await importToolModule(file, options.revision);
  if ("problem" in module) return { file, tools: [], problems: [module.problem] };
  const tools: ToolDefinition[] = [];
  const problems: LoadProblem[] = [];
  for (const [exportName, value] of Object.entries(module.exports)) {
    if (!isDefinedTool(value)) continue;
    const line = exportLine(text, exportName, value);
    if (exportName === "default") {
      const message = "default export is not registered: export the tool by name";
      problems.push({ file, line, message });
      continue;
    }
    const label = typeof value.name === "string" && checkToolName(value.name) === undefined
      ? `tool "${value.name}"`
      : `export "${exportName}"`;
    const found: string[] = [];
    const tool = readTsTool(value, { compile: options.compile, report: (m) => found.push(m) });
    problems.push(...found.map((message) => ({ file, line, message: `${label}: ${message}` })));
    const twin = tool && tools.find((other) => other.name === tool.name);
    if (twin) {
      const where = `${file}:${twin.source.line}`;
      problems.push({ file, line, message: `${label}: duplicate name, first defined at ${where}` });
    } else if (tool) {
      tools.push({ ...tool, source: { file, line } });
    }
  }
  return { file, tools: problems.length > 0 ? [] : tools, problems };
}

async function importToolModule(
  file: string,
  revision: string,
): Promise<{ exports: Record<string, unknown> } | { problem: LoadProblem }> {
  const fileUrl = pathToFileURL(resolve(file)).href;
  try {
    return { exports: await import(`${fileUrl}?v=${revision}`) };
  } catch (error) {
    const line = errorLine(error, fileUrl);
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    return { problem: { file, line, message: `cannot import module: ${reason}` } };
  }
}

function readTsTool(
  defined: DefinedTool,
  context: { compile: SchemaCompiler; report: (message: string) => void },
): Omit<ToolDefinition, "source"> | undefined {
  const { report } = context;
  const nameProblem = checkToolName(defined.name);
  if (nameProblem !== undefined) report(nameProblem);
  if (typeof defined.description !== "string" || defined.description.trim() === "") {
    report("description must be a non-empty string");
  }
  if (defined.title !== undefined && typeof defined.title !== "string") {
    report("title must be a string");
  }
  if (typeof defined.handler !== "function") report("handler must be a function");
  const input = deriveSchema(defined.input, "input", context);
  const output = defined.output === undefined
    ? undefined
    : deriveSchema(defined.output, "output", context);
  const extras = readExtras(defined, report);
  const timeoutMs = readTimeout(defined.timeout, "timeout");
  if (typeof timeoutMs === "string") report(timeoutMs);
  if (!input || (defined.output !== undefined && !output) || !extras) return undefined;
  if (nameProblem !== undefined || typeof timeoutMs === "string") return undefined;
  const handler = wrapHandler(defined);
  return {
    name: defined.name,
    ...(defined.title === undefined ? {} : { title: defined.title }),
    description: defined.description,
    inputSchema: input.schema,
    ...(output ? { outputSchema: output.schema, checkOutput: output.check } : {}),
    ...extras,
    backend: { kind: "ts", handler, timeoutMs },
    checkInput: input.check,
  };
}

function deriveSchema(
  schema: unknown,
  role: SchemaRole,
  context: { compile: SchemaCompiler; report: (message: string) => void },
): { schema: JsonObject; check: SchemaCheck } | undefined {
  if (!(schema instanceof z.ZodObject)) {
    return void context.report(`${role} must be a zod object schema (z.object({ ... }))`);
  }
  let json: JsonObject;
  try {
    const derived = z.toJSONSchema(schema, { target: "draft-2020-12", io: role });
    const { $schema: _dialect, ...rest } = JSON.parse(JSON.stringify(derived)) as JsonObject;
    json = rest;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return void context.report(`${role} cannot be expressed as JSON Schema: ${reason}`);
  }
  const check = context.compile(json, role);
  if (typeof check === "function") return { schema: json, check };
  return void context.report(check.message);
}

function readExtras(
  defined: DefinedTool,
  report: (message: string) => void,
): Pick<ToolDefinition, "annotations" | "auth" | "cache" | "rateLimit" | "tags"> | undefined {
  const extras: Pick<ToolDefinition, "annotations" | "auth" | "cache" | "rateLimit" | "tags"> = {};
  const problems: string[] = [];
  if (defined.annotations !== undefined) {
    const annotations = readAnnotations(defined.annotations);
    if (Array.isArray(annotations)) problems.push(...annotations.map((p) => p.message));
    else extras.annotations = annotations;
  }
  if (defined.auth !== undefined) {
    const problem = checkAuthName(defined.auth);
    if (problem === undefined) extras.auth = defined.auth;
    else problems.push(problem);
  }
  if (defined.cache !== undefined) {
    const cache = readCache(defined.cache, extras.annotations?.readOnlyHint === true);
    if (Array.isArray(cache)) problems.push(...cache.map((p) => p.message));
    else extras.cache = cache;
  }
  if (defined.rateLimit !== undefined) {
    const rateLimit = readRateLimit(defined.rateLimit);
    if (Array.isArray(rateLimit)) problems.push(...rateLimit.map((p) => p.message));
    else extras.rateLimit = rateLimit;
  }
  if (defined.tags !== undefined) {
    const tags = readTags(defined.tags);
    if (tags.every((tag) => typeof tag === "string")) extras.tags = tags as string[];
    else problems.push(...(tags as FieldProblem[]).map((p) => p.message));
  }
  problems.forEach(report);
  return problems.length > 0 ? undefined : extras;
}

/** The stored handler: parses arguments with the tool's zod schema, then calls the author's. */
function wrapHandler(defined: DefinedTool): ToolHandler {
  const { name, input, handler } = defined;
  return async function runTsTool(args, ctx) {
    const parsed = await input.safeParseAsync(args);
    if (!parsed.success) {
      const problems = parsed.error.issues.map(describeIssue);
      const message = `Invalid arguments for tool "${name}": ${problems.join("; ")}`;
      throw new GatewayError("INVALID_INPUT", message, { data: { problems } });
    }
    return await handler(parsed.data, ctx);
  };
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const field = issue.path.map(String).join(".");
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => `unknown argument "${field === "" ? key : `${field}.${key}`}"`)
      .join("; ");
  }
  if (field === "") return `arguments: ${issue.message}`;
  if (issue.code === "invalid_type" && issue.message.endsWith("received undefined")) {
    return `missing required argument "${field}"`;
  }
  return `argument "${field}": ${issue.message}`;
}

/** Line of `export const <name>`, else of the tool's `name:`, else 1. */
function exportLine(text: string, exportName: string, defined: DefinedTool): number {
  const lines = text.split("\n");
  const declaration = new RegExp(
    `^\\s*export\\s+(?:const|let|var)\\s+${escapeRegExp(exportName)}(?![\\w$])`,
  );
  let index = lines.findIndex((line) => declaration.test(line));
  if (index === -1 && typeof defined.name === "string") {
    index = lines.findIndex((line) => line.includes(`"${defined.name}"`));
  }
  return index + 1 || 1;
}

/** The line in this file an import error points at, when its message or stack names one. */
function errorLine(error: unknown, fileUrl: string): number {
  const text = error instanceof Error ? `${error.message}\n${error.stack ?? ""}` : String(error);
  const match = new RegExp(`${escapeRegExp(fileUrl)}(?:\\?[^:\\s]*)?:(\\d+):\\d+`).exec(text);
  return match ? Number(match[1]) : 1;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
