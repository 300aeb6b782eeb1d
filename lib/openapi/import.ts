/**
 * `importOpenApi()`: a description in, one YAML tool file out, with a report of what was skipped,
 * renamed or left out, and the credentials to store.
 */

import { GatewayError } from "../errors.ts";
import { CREDENTIAL_NAME_PATTERN } from "../names.ts";
import type { JsonObject } from "../registry/mod.ts";
import { isObject, PATH_METHODS, type SpecVersion, stringAt } from "./doc.ts";
import { compileGlob, type Glob } from "./glob.ts";
import { loadSpec } from "./load.ts";
import { baseToolName, prefixedName, uniqueName } from "./names.ts";
import { buildTool, listOperations, type Operation } from "./operation.ts";
import { renderToolFile } from "./render.ts";
import { createSecurityPlanner, type CredentialPlan } from "./security.ts";
import { operationServer, resolveBaseUrl } from "./servers.ts";

/** Options of one import (the CLI flags). */
export interface ImportOptions {
  /** Globs an operation must match one of (operationId, tool name or path); all when empty. */
  include?: string[];
  /** Globs that drop an operation. */
  exclude?: string[];
  /** Prepended to every tool name (with `_` unless it ends in `_`, `-` or `.`). */
  prefix?: string;
  /** Replaces the description's servers. */
  baseUrl?: string;
  /** One credential name for every operation that needs one. */
  auth?: string;
}

/** What an import produced. */
export interface ImportResult {
  /** The tool file's text. */
  yaml: string;
  /** Tools written. */
  tools: number;
  /** Operations in the description, before filters. */
  operations: number;
  /** Operations that matched the filters but could not become tools, and why. */
  skipped: Array<{ operation: string; reason: string }>;
  /** Tools whose name was taken by an earlier one, and the name they got instead. */
  renamed: Array<{ operation: string; wanted: string; name: string }>;
  /** What was left out of or added to a tool (an optional cookie, an undeclared path argument). */
  notes: Array<{ tool: string; note: string }>;
  /** Credentials the tools name in `auth`, with the commands that store them. */
  credentials: CredentialPlan[];
  /** Security schemes no credential kind carries; operations needing only these get no auth. */
  unsupportedSchemes: string[];
}

const PREFIX = /^[A-Za-z0-9_.-]{0,64}$/;

/**
 * Imports a description (file path or URL) as YAML tools.
 * @throws GatewayError INVALID_INPUT for a bad option, an unreadable or invalid description, no
 * usable server URL, or no operation left after the filters.
 */
export async function importOpenApi(
  source: string,
  options: ImportOptions = {},
): Promise<ImportResult> {
  const prefix = options.prefix ?? "";
  checkOptions(prefix, options.auth);
  const { doc, version } = await loadSpec(source);
  const all = listOperations(doc, PATH_METHODS);
  const chosen = chooseOperations(all, options);
  if (chosen.length === 0) {
    const why = all.length === 0 ? "it has no operations" : "no operation matches the filters";
    throw new GatewayError("INVALID_INPUT", `Cannot import "${source}": ${why}`);
  }
  const baseUrl = resolveBaseUrl(doc, version, { source, override: options.baseUrl });
  const security = createSecurityPlanner(doc, version, { fixed: options.auth, prefix });
  const built = buildTools(chosen, {
    doc,
    version,
    prefix,
    server: (operation) => options.baseUrl === undefined ? serverFor(operation, baseUrl) : "",
    authFor: security.authFor,
  });
  const credentials = security.credentials();
  const header = {
    source,
    describes: describeSpec(doc, version),
    tools: built.tools.length,
    operations: all.length,
    credentials,
  };
  return {
    yaml: renderToolFile(header, baseUrl, built.tools),
    tools: built.tools.length,
    operations: all.length,
    skipped: built.skipped,
    renamed: built.renamed,
    notes: built.notes,
    credentials,
    unsupportedSchemes: security.unsupported(),
  };
}

/** What building every chosen operation needs. */
interface BuildContext {
  doc: JsonObject;
  version: SpecVersion;
  prefix: string;
  server(operation: Operation): string;
  authFor(op: JsonObject): string | undefined;
}

type Built = Pick<ImportResult, "skipped" | "renamed" | "notes"> & { tools: JsonObject[] };

/** Builds each operation's tool in order; a later operation whose name is taken is numbered. */
function buildTools(chosen: Operation[], ctx: BuildContext): Built {
  const built: Built = { tools: [], skipped: [], renamed: [], notes: [] };
  const taken = new Set<string>();
  for (const operation of chosen) {
    const label = `${operation.method.toUpperCase()} ${operation.path}`;
    const wanted = prefixedName(ctx.prefix, nameOf(operation));
    const name = uniqueName(wanted, taken);
    const auth = ctx.authFor(operation.op);
    const result = buildTool(operation, {
      doc: ctx.doc,
      version: ctx.version,
      name,
      server: ctx.server(operation),
      ...(auth === undefined ? {} : { auth }),
    });
    if ("skipped" in result) {
      built.skipped.push({ operation: label, reason: result.skipped });
      continue;
    }
    taken.add(name);
    if (name !== wanted) built.renamed.push({ operation: label, wanted, name });
    for (const note of result.notes) built.notes.push({ tool: name, note });
    built.tools.push(result.entry);
  }
  return built;
}

function chooseOperations(all: Operation[], options: ImportOptions): Operation[] {
  const include = (options.include ?? []).map(compileGlob);
  const exclude = (options.exclude ?? []).map(compileGlob);
  return all.filter((operation) => selected(operation, include, exclude));
}

/** `Title 1.0 (OpenAPI 3.0.3)`, for the file's header. */
function describeSpec(doc: JsonObject, version: SpecVersion): string {
  const info = isObject(doc.info) ? doc.info : {};
  const title = `${stringAt(info.title) ?? "API"} ${stringAt(info.version) ?? ""}`.trim();
  return `${title} (${version === "2.0" ? "Swagger 2.0" : `OpenAPI ${stringAt(doc.openapi)}`})`;
}

function checkOptions(prefix: string, auth: string | undefined): void {
  if (!PREFIX.test(prefix)) {
    throw new GatewayError(
      "INVALID_INPUT",
      `Invalid --prefix "${prefix}": use up to 64 letters, digits, "_", "-" or "."`,
    );
  }
  if (auth !== undefined && !CREDENTIAL_NAME_PATTERN.test(auth)) {
    throw new GatewayError(
      "INVALID_INPUT",
      `Invalid --auth "${auth}": a credential name is 1-64 of a-z 0-9 _ -, starting with a letter or digit`,
    );
  }
}

function nameOf(operation: Operation): string {
  return baseToolName(stringAt(operation.op.operationId), operation.method, operation.path);
}

function selected(operation: Operation, include: Glob[], exclude: Glob[]): boolean {
  const candidates = [nameOf(operation), operation.path];
  const operationId = stringAt(operation.op.operationId);
  if (operationId !== undefined) candidates.push(operationId);
  const matches = (glob: Glob) => candidates.some((text) => glob(text));
  if (include.length > 0 && !include.some(matches)) return false;
  return !exclude.some(matches);
}

/** `""` (the file's baseUrl) unless the operation names another absolute server. */
function serverFor(operation: Operation, baseUrl: string): string {
  const own = operationServer([operation.op.servers, operation.pathItem.servers]);
  return own === undefined || own === baseUrl ? "" : own;
}
