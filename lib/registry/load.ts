/**
 * Loads a tools directory into a snapshot. Each file is all-or-nothing; across reloads a file that
 * breaks keeps serving the tools it last contributed ("last good"), and a name clash rejects the
 * file that introduced it, never one that was already serving.
 */

import { GatewayError } from "../errors.ts";
import { type Logger, silentLogger } from "../log.ts";
import { createSchemaCompiler, type SchemaCompiler } from "./schema.ts";
import { buildSnapshot } from "./snapshot.ts";
import { type CredentialView, partitionByCredentials, summarizeDisabled } from "./requirements.ts";
import { loadTsToolFile } from "./ts_loader.ts";
import type { LoadProblem, RegistrySnapshot, ToolDefinition, UpstreamSource } from "./types.ts";
import { type EnvAllowed, type FileResult, type GetEnv, parseToolYaml } from "./yaml_loader.ts";

/** Options shared by `loadRegistry` and the watcher. */
export interface RegistryOptions {
  /** Receives one warning per load problem; default: a logger that drops everything. */
  logger?: Logger;
  /** Reads environment variables for `baseUrl: ${VAR:-default}`; default: none are set. */
  getEnv?: GetEnv;
  /** Variables tool files may read; default: every one `getEnv` answers. */
  envAllowed?: EnvAllowed;
  /** Throw `INVALID_TOOL` listing every problem instead of loading the good files only. */
  strict?: boolean;
  /** Databases the gateway config names: SQL tools naming another are disabled (a note). */
  databases?: ReadonlySet<string>;
  /**
   * The vault's credential names and settings, read once per load pass: a tool whose credential
   * is not stored is disabled (a note). Absent: credentials are not checked.
   */
  credentials?: () => Promise<CredentialView | undefined>;
}

/** One file as last seen: its text, what loading it produced, and what it contributes now. */
export interface FileState {
  text: string;
  result: FileResult;
  /** Tools this file contributes to the current snapshot (its last good result). */
  good?: readonly ToolDefinition[];
  /** Upstreams this file contributes (its last result without problems). */
  goodUpstreams?: readonly UpstreamSource[];
}

/** Every file of a tools directory after one load pass. */
export interface RegistryState {
  files: ReadonlyMap<string, FileState>;
  tools: ToolDefinition[];
  problems: LoadProblem[];
  /** Upstreams declared in tool files, unique by name. */
  upstreams: UpstreamSource[];
  /** Valid tools left out because their database or credential is not configured, as notes. */
  disabled: LoadProblem[];
  /** The credential view this pass used, as canonical text (the watcher re-checks it). */
  credentialsKey?: string;
}

const TOOL_FILE = /\.(ya?ml|ts)$/;
const NOT_TOOL_FILE = /(^[_.]|_test\.ts$|\.d\.ts$)/;

/**
 * Loads every tool file in `dir` into a snapshot (version 1) plus the problems found.
 * @throws GatewayError INVALID_CONFIG when `dir` is missing; INVALID_TOOL on problems if strict.
 */
export async function loadRegistry(
  dir: string,
  options: RegistryOptions = {},
): Promise<{ snapshot: RegistrySnapshot; problems: LoadProblem[]; disabled: LoadProblem[] }> {
  const state = await loadState(dir, undefined, options);
  if (options.strict && state.problems.length > 0) throw problemsError(state.problems);
  logProblems(state.problems, [], options.logger ?? silentLogger);
  logDisabled(state.disabled, [], options.logger ?? silentLogger);
  const { problems, disabled } = state;
  return { snapshot: buildSnapshot(state.tools, 1, state.upstreams), problems, disabled };
}

/** `file:line: message`, the one way a load problem is printed; raises nothing. */
export function formatProblem(problem: LoadProblem): string {
  return `${problem.file}:${problem.line}: ${problem.message}`;
}

/**
 * Re-reads `dir`, reusing results of files whose text is unchanged since `previous`.
 * @throws GatewayError INVALID_CONFIG when `dir` is missing or unreadable.
 */
export async function loadState(
  dir: string,
  previous: RegistryState | undefined,
  options: RegistryOptions,
): Promise<RegistryState> {
  const paths = await listToolFiles(dir);
  const compile = createSchemaCompiler();
  const files = new Map<string, FileState>();
  for (const path of paths) {
    const text = await readToolText(path);
    if (text === undefined) continue;
    const before = previous?.files.get(path);
    if (before && before.text === text) {
      files.set(path, before);
      continue;
    }
    const result = await loadFromText(path, text, compile, options);
    const goodUpstreams = result.problems.length === 0
      ? result.upstreams ?? []
      : before?.goodUpstreams;
    files.set(path, {
      text,
      result,
      ...(before?.good ? { good: before.good } : {}),
      ...(goodUpstreams ? { goodUpstreams } : {}),
    });
  }
  const settled = settle(files);
  if (options.credentials === undefined) return settled;
  const view = await options.credentials();
  const setupOf = (file: string) => files.get(file)?.result.setup;
  const { served, disabled } = partitionByCredentials(settled.tools, view, setupOf);
  return {
    ...settled,
    tools: served,
    disabled: [...settled.disabled, ...disabled].sort(byFileAndLine),
    credentialsKey: credentialsKey(view),
  };
}

/** A view as comparable text: names, their set settings, and why none is usable. */
export function credentialsKey(view: CredentialView | undefined): string {
  if (view === undefined) return "";
  const entries = [...view.credentials].map(([name, set]) => [name, [...set].sort()]);
  entries.sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
  return JSON.stringify([entries, view.unusable ?? null]);
}

function byFileAndLine(a: LoadProblem, b: LoadProblem): number {
  return a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line;
}

/** Logs each problem not already in `known` as a warning with its `file:line`; raises nothing. */
export function logProblems(
  problems: readonly LoadProblem[],
  known: readonly LoadProblem[],
  logger: Logger,
): void {
  const seen = new Set(known.map(formatProblem));
  for (const problem of problems) {
    const text = formatProblem(problem);
    if (!seen.has(text)) logger.warn(`Tool problem: ${text}`, { file: problem.file });
  }
}

/**
 * Logs disabled tools not already in `known` at info level, one line per file and reason
 * (`tools/jira.yaml: 6 tools disabled (…): credential "jira" is not set: …`); raises nothing.
 */
export function logDisabled(
  notes: readonly LoadProblem[],
  known: readonly LoadProblem[],
  logger: Logger,
): void {
  const seen = new Set(summarizeDisabled(known).map(formatProblem));
  for (const note of summarizeDisabled(notes)) {
    if (seen.has(formatProblem(note))) continue;
    logger.info(`Tools disabled until configured: ${note.file}: ${note.message}`, {
      file: note.file,
    });
  }
}

/** Whether a file name is loaded as a tool file (`*.yaml`, `*.yml`, `*.ts`, not `_x` or `.x`). */
export function isToolFileName(name: string): boolean {
  return TOOL_FILE.test(name) && !NOT_TOOL_FILE.test(name);
}

async function listToolFiles(dir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    const info = await Deno.stat(dir);
    if (!info.isDirectory) throw configError(`not a directory: ${dir}`);
    for await (const entry of Deno.readDir(dir)) {
      if (!entry.isDirectory && isToolFileName(entry.name)) names.push(entry.name);
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) throw configError(`directory not found: ${dir}`);
    if (error instanceof GatewayError) throw error;
    throw configError(`${dir}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const base = dir.replace(/\/+$/, "") || "/";
  return names.sort().map((name) => `${base === "/" ? "" : base}/${name}`);
}

async function readToolText(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    // Why: a file deleted between listing and reading is simply gone; the next pass agrees.
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw configError(`${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

async function loadFromText(
  path: string,
  text: string,
  compile: SchemaCompiler,
  options: { getEnv?: GetEnv; envAllowed?: EnvAllowed; databases?: ReadonlySet<string> },
): Promise<FileResult> {
  if (path.endsWith(".ts")) {
    return await loadTsToolFile(path, text, { compile, revision: hashText(text) });
  }
  return parseToolYaml(path, text, {
    compile,
    getEnv: options.getEnv ?? (() => undefined),
    ...(options.envAllowed ? { envAllowed: options.envAllowed } : {}),
    ...(options.databases ? { databases: options.databases } : {}),
  });
}

/**
 * Decides what each file contributes. Files already serving their current result go first, so a
 * newly edited file that clashes with them is the one rejected (and falls back to its last good).
 */
function settle(files: ReadonlyMap<string, FileState>): RegistryState {
  const ordered = [...files.entries()].sort(([pathA, a], [pathB, b]) => {
    const stableA = a.good === a.result.tools ? 0 : 1;
    const stableB = b.good === b.result.tools ? 0 : 1;
    return stableA - stableB || (pathA < pathB ? -1 : pathA > pathB ? 1 : 0);
  });
  const seen = new Map<string, ToolDefinition>();
  const problems: LoadProblem[] = [];
  const disabled: LoadProblem[] = [];
  const settled = new Map<string, FileState>();
  for (const [path, state] of ordered) {
    problems.push(...state.result.problems);
    disabled.push(...state.result.disabled ?? []);
    let good: readonly ToolDefinition[] | undefined;
    if (state.result.problems.length === 0) {
      const clashes = clashesWith(state.result.tools, seen);
      if (clashes.length === 0) good = state.result.tools;
      problems.push(...clashes);
    }
    if (good === undefined && state.good && clashesWith(state.good, seen).length === 0) {
      good = state.good;
    }
    for (const tool of good ?? []) seen.set(tool.name, tool);
    settled.set(path, { ...state, ...(good ? { good } : {}) });
  }
  const upstreams = settleUpstreams([...settled.values()], problems);
  problems.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));
  disabled.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));
  return { files: settled, tools: [...seen.values()], problems, upstreams, disabled };
}

/** Upstreams of every file in path order; a name declared twice is a problem naming both. */
function settleUpstreams(files: readonly FileState[], problems: LoadProblem[]): UpstreamSource[] {
  const ordered = [...files].sort((a, b) =>
    a.result.file < b.result.file ? -1 : a.result.file > b.result.file ? 1 : 0
  );
  const byName = new Map<string, UpstreamSource>();
  for (const state of ordered) {
    for (const upstream of state.goodUpstreams ?? []) {
      const first = byName.get(upstream.spec.name);
      if (first === undefined) {
        byName.set(upstream.spec.name, upstream);
        continue;
      }
      const where = `${first.source.file}:${first.source.line}`;
      problems.push({
        ...upstream.source,
        message: `upstream "${upstream.spec.name}": duplicate name, first declared at ${where}`,
      });
    }
  }
  return [...byName.values()];
}

function clashesWith(
  tools: readonly ToolDefinition[],
  seen: ReadonlyMap<string, ToolDefinition>,
): LoadProblem[] {
  return tools.flatMap((tool) => {
    const first = seen.get(tool.name);
    if (!first) return [];
    const where = `${first.source.file}:${first.source.line}`;
    const message = `tool "${tool.name}": duplicate name, first defined at ${where}`;
    return [{ file: tool.source.file, line: tool.source.line, message }];
  });
}

/** FNV-1a over the text plus its length: a cheap revision tag, not a security measure. */
function hashText(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return `${hash.toString(16)}-${text.length.toString(16)}`;
}

function configError(detail: string): GatewayError {
  return new GatewayError("INVALID_CONFIG", `Cannot load tools: ${detail}`);
}

function problemsError(problems: readonly LoadProblem[]): GatewayError {
  const lines = problems.map(formatProblem);
  return new GatewayError("INVALID_TOOL", `Cannot load tools:\n  ${lines.join("\n  ")}`, {
    data: { problems: lines },
  });
}
