/**
 * Reads one YAML tool file: a top-level `tools:` list and an optional `baseUrl:`. Every problem
 * points at `file:line`; a file with any problem contributes no tools.
 */

import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import { dotted, isPlainObject, TOOL_NAME_PATTERN, unknownKeys } from "./fields.ts";
import type { SchemaCompiler } from "./schema.ts";
import { readUpstreamSpecs } from "../upstream_spec/mod.ts";
import type { CredentialBase, LoadProblem, ToolDefinition, UpstreamSource } from "./types.ts";
import { isCredentialBaseValue, readCredentialBase } from "./credential_base.ts";
import { readYamlTool } from "./yaml_tool.ts";

/** Reads one environment variable; tests pass `(name) => map.get(name)`. */
export type GetEnv = (name: string) => string | undefined;

/** Whether tool files may read an environment variable (the gateway's allow rule). */
export type EnvAllowed = (name: string) => boolean;

/** The outcome of loading one tool file: its tools (none when it has problems) and problems. */
export interface FileResult {
  /** Path of the tool file. */
  file: string;
  /** The file's validated tools; empty whenever `problems` is not. */
  tools: ToolDefinition[];
  /** Everything wrong with the file, each with its line; empty when the file loaded. */
  problems: LoadProblem[];
  /** The file's `upstreams:` entries (YAML only); empty whenever `problems` is not. */
  upstreams?: UpstreamSource[];
  /** Valid tools left out because what they need is not configured (a database), as notes. */
  disabled?: LoadProblem[];
  /** The file's `setup:` hint: how to configure what its tools need (shown when disabled). */
  setup?: string;
}

/** What reading a YAML tool file needs besides its text. */
export interface YamlFileOptions {
  getEnv: GetEnv;
  /** Variables a tool file may read; default: every one `getEnv` answers. */
  envAllowed?: EnvAllowed;
  compile: SchemaCompiler;
  /** Databases the gateway config names; absent: SQL tools are never disabled. */
  databases?: ReadonlySet<string>;
}

type Path = readonly (string | number)[];
type LineAt = (path: Path) => number;

const FILE_KEYS = ["tools", "baseUrl", "upstreams", "setup"];
const ENV_REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** Validates the text of one YAML tool file; never throws, every failure is a problem. */
export function parseToolYaml(file: string, text: string, options: YamlFileOptions): FileResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  function lineOf(offset: number): number {
    return Math.max(1, lineCounter.linePos(offset).line);
  }
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((error) => ({
      file,
      line: lineOf(error.pos[0]),
      message: `invalid YAML: ${firstLine(error.message)}`,
    }));
    return { file, tools: [], problems };
  }
  const lines = new Map<string, number>();
  indexLines(doc.contents, [], lines, lineOf);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { file, tools: [], problems: [{ file, line: 1, message: `invalid YAML: ${reason}` }] };
  }
  return readToolFile(file, data, (path) => lineAt(lines, path), options);
}

function readToolFile(
  file: string,
  data: unknown,
  lineAt: LineAt,
  options: YamlFileOptions,
): FileResult {
  const problems: LoadProblem[] = [];
  function fileProblem(path: Path, message: string): void {
    problems.push({ file, line: lineAt(path), message });
  }
  if (!isPlainObject(data)) {
    fileProblem([], `expected a mapping with a "tools" list`);
    return { file, tools: [], problems };
  }
  for (const { path, message } of unknownKeys(data, FILE_KEYS, [])) fileProblem(path, message);
  const baseUrl = isCredentialBaseValue(data.baseUrl)
    ? readCredentialBase(data.baseUrl, options, fileProblem)
    : readBaseUrl(data.baseUrl, options, (message) => fileProblem(["baseUrl"], message));
  const setup = readSetup(data.setup, (message) => fileProblem(["setup"], message));
  const upstreams = readUpstreams(file, data.upstreams, lineAt, problems);
  // Why: a file may declare upstreams only; `tools:` is required only when there are none.
  const tools = data.tools === undefined && data.upstreams !== undefined ? [] : data.tools;
  if (!Array.isArray(tools)) {
    fileProblem(
      data.tools === undefined ? [] : ["tools"],
      data.tools === undefined ? `missing required key "tools"` : "tools must be a list",
    );
    return { file, tools: [], problems };
  }
  const read = readEntries(file, tools, { ...options, baseUrl, lineAt, problems });
  problems.sort((a, b) => a.line - b.line);
  if (problems.length > 0) return { file, tools: [], problems };
  const withUpstreams = {
    ...(upstreams.length > 0 ? { upstreams } : {}),
    ...(setup === undefined ? {} : { setup }),
  };
  const disabled = read.flatMap((tool) => disabledNote(tool, options.databases));
  if (disabled.length === 0) return { file, tools: read, problems, ...withUpstreams };
  const served = read.filter((tool) => !disabled.some((note) => note.line === tool.source.line));
  return { file, tools: served, problems, disabled, ...withUpstreams };
}

function readUpstreams(
  file: string,
  value: unknown,
  lineAt: LineAt,
  problems: LoadProblem[],
): UpstreamSource[] {
  const { specs, problems: found } = readUpstreamSpecs(value);
  for (const { path, message } of found) {
    const at = ["upstreams", ...path];
    problems.push({ file, line: lineAt(at), message: `${dotted(at)}: ${message}` });
  }
  if (!Array.isArray(value)) return [];
  return specs.map((spec) => ({
    spec,
    source: { file, line: lineAt(["upstreams", value.findIndex((e) => e?.name === spec.name)]) },
  }));
}

// Why a note, not a problem: the shipped example tools name a database most installs do not
// have; they stay out of tools/list (and `nexus check` passes) until the database is configured.
function disabledNote(tool: ToolDefinition, databases?: ReadonlySet<string>): LoadProblem[] {
  if (tool.backend.kind !== "sql" || databases === undefined) return [];
  if (databases.has(tool.backend.database)) return [];
  const message = `tool "${tool.name}" disabled: database "${tool.backend.database}" is not ` +
    "configured (databases: in the gateway config)";
  return [{ file: tool.source.file, line: tool.source.line, message }];
}

function readEntries(
  file: string,
  entries: unknown[],
  context: YamlFileOptions & {
    baseUrl?: string | CredentialBase | false;
    lineAt: LineAt;
    problems: LoadProblem[];
  },
): ToolDefinition[] {
  const { lineAt, problems } = context;
  const tools: ToolDefinition[] = [];
  const firstSeen = new Map<string, number>();
  entries.forEach((entry, index) => {
    const at = ["tools", index];
    if (!isPlainObject(entry)) {
      problems.push({ file, line: lineAt(at), message: `${dotted(at)} must be a mapping` });
      return;
    }
    const label = typeof entry.name === "string" && TOOL_NAME_PATTERN.test(entry.name)
      ? `tool "${entry.name}"`
      : dotted(at);
    const line = lineAt(at);
    const tool = readYamlTool(entry, {
      compile: context.compile,
      baseUrl: context.baseUrl,
      source: { file, line },
      report: ({ path, message }) => {
        problems.push({ file, line: lineAt([...at, ...path]), message: `${label}: ${message}` });
      },
    });
    if (!tool) return;
    const first = firstSeen.get(tool.name);
    if (first !== undefined) {
      const message = `${label}: duplicate name, first defined at ${file}:${first}`;
      problems.push({ file, line, message });
      return;
    }
    firstSeen.set(tool.name, line);
    tools.push(tool);
  });
  return tools;
}

/**
 * The base URL with `${VAR}` / `${VAR:-default}` filled in and any trailing `/` removed. Messages
 * name variables and quote the file's own text, never a substituted value.
 */
function readBaseUrl(
  value: unknown,
  options: Pick<YamlFileOptions, "getEnv" | "envAllowed">,
  report: (message: string) => void,
): string | false | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string") return fail(report, "baseUrl must be a string");
  const template = value.trim();
  const missing: string[] = [];
  const refused: string[] = [];
  const url = template.replace(ENV_REFERENCE, (_match, name: string, fallback?: string) => {
    if (options.envAllowed !== undefined && !options.envAllowed(name)) {
      refused.push(name);
      return "";
    }
    const found = options.getEnv(name);
    if (found !== undefined && found !== "") return found;
    if (fallback === undefined) missing.push(name);
    return fallback ?? "";
  });
  if (refused.length > 0) {
    return fail(
      report,
      `baseUrl: environment variable ${refused.join(", ")} is not readable by tool files: ` +
        "give it the tool prefix (toolEnvPrefix, default NEXUS_TOOL_) or list it in toolEnv",
    );
  }
  if (missing.length > 0) {
    return fail(report, `baseUrl: environment variable ${missing.join(", ")} is not set`);
  }
  const problem = checkBaseUrl(url);
  // Why the template: a substituted value may be a secret someone put in the wrong variable.
  if (problem !== undefined) return fail(report, `baseUrl ${problem}: ${template}`);
  return url.replace(/\/+$/, "");
}

/** `setup:`: one line of text telling an operator how to enable the file's tools. */
function readSetup(value: unknown, report: (message: string) => void): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "string" && value.trim() !== "" && value.length <= 1000) {
    return value.trim().replace(/\s+/g, " ");
  }
  report("setup must be a non-empty string of at most 1000 characters");
  return undefined;
}

function fail(report: (message: string) => void, message: string): false {
  report(message);
  return false;
}

function checkBaseUrl(url: string): string | undefined {
  if (/[{}]/.test(url)) return "must not contain placeholders";
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "must be an absolute URL";
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return "must use http or https";
  if (parsed.username !== "" || parsed.password !== "") return "must not contain credentials";
  if (parsed.search !== "" || parsed.hash !== "") return "must not have a query or fragment";
  return undefined;
}

/** Records the line of every mapping key and list item, keyed by its path. */
function indexLines(
  node: unknown,
  path: Path,
  lines: Map<string, number>,
  lineOf: (offset: number) => number,
): void {
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      const keyNode = pair.key as Node | null;
      const keyPath = [...path, key];
      if (keyNode?.range) lines.set(JSON.stringify(keyPath), lineOf(keyNode.range[0]));
      indexLines(pair.value, keyPath, lines, lineOf);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, index) => {
      const itemPath = [...path, index];
      const range = (item as Node | null)?.range;
      if (range) lines.set(JSON.stringify(itemPath), lineOf(range[0]));
      indexLines(item, itemPath, lines, lineOf);
    });
  }
}

/** The line of the deepest known prefix of `path`; 1 when nothing matches. */
function lineAt(lines: ReadonlyMap<string, number>, path: Path): number {
  for (let length = path.length; length > 0; length--) {
    const line = lines.get(JSON.stringify(path.slice(0, length)));
    if (line !== undefined) return line;
  }
  return 1;
}

function firstLine(message: string): string {
  return (message.split("\n")[0] ?? message).replace(/ at line \d+, column \d+:?$/, "");
}
