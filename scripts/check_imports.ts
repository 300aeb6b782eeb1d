/**
 * Import-layer check for `lib/`, `main.ts` and `tools/`, run by `deno task check`.
 *
 * Every rule lives in `RULES` below: each lib unit (a folder or a root file) may import its own
 * files and the units its row allows, through their `mod.ts`. Imports are found with regular
 * expressions over the source with comments blanked out, so a commented-out import or a
 * `console.` in a doc comment is not reported.
 *
 * Usage: deno run --allow-read scripts/check_imports.ts [root]
 */

import { fileURLToPath } from "node:url";

/** The root files every layer stands on; none imports a folder. */
const LEAVES = [
  "errors.ts",
  "log.ts",
  "secret.ts",
  "version.ts",
  "rates.ts",
  "canonical_json.ts",
  "names.ts",
  "call_gate.ts",
  "stream_end.ts",
  "shared_timeout.ts",
  "abort_watch.ts",
  "bounded_map.ts",
  "hex.ts",
  "hmac_sha256.ts",
  "upstream_spec/",
];

/** The units below the MCP surface (STYLE.md §1 "everything above" for mcp/). */
const BELOW_MCP = [
  ...LEAVES,
  "egress/",
  "config/",
  "store/",
  "credentials/",
  "registry/",
  "backends/",
  "auth/",
  "limits/",
  "cache/",
  "audit/",
  "metrics/",
  "telemetry/",
  "upstreams/",
];

/** The layer table and the rules around it; change the code's shape here first. */
export const RULES = {
  /**
   * The layer table of `STYLE.md` §1 as data: each lib unit, deepest first, with the units it may
   * import (its "may import" column). A row names only rows above it, so imports point down by
   * construction (`checkRules`). A row for a folder that does not exist yet costs nothing.
   * `// Deviation:` marks where the code needs more than the STYLE table says, and why.
   */
  allow: {
    "errors.ts": [],
    "secret.ts": [],
    "version.ts": [],
    "rates.ts": [],
    "canonical_json.ts": [],
    "names.ts": [],
    // The FIFO gate with a bounded queue: per upstream (upstreams/) and per instance (http/).
    "call_gate.ts": [],
    "stream_end.ts": [],
    // Timeouts of one length sharing a timer: the body read (http/) and the call deadline (backends/).
    "shared_timeout.ts": [],
    // An abort told to its watcher without a listener: the 2025 SSE answer (mcp/), the deadline (backends/).
    "abort_watch.ts": [],
    // The bound of the per-key memos on hot paths (http/, mcp/, backends/, egress/, cache/, auth/).
    "bounded_map.ts": [],
    // Bytes as hex by table: the trace ids (http/) and the audit hash (hmac_sha256.ts).
    "hex.ts": [],
    // HMAC-SHA-256 under a fixed key: the audit argument hash (audit/, credentials/).
    "hmac_sha256.ts": ["hex.ts"],
    // Deviation: names.ts; an upstream's `auth` follows the credential name rule.
    "upstream_spec/": ["names.ts"],
    // Deviation: secret.ts; the one log exit redacts with the same sensitive-key rule as Secret.
    "log.ts": ["secret.ts"],
    // Egress control: address parsing and judging, the checked fetch; raises EGRESS_DENIED.
    "egress/": ["errors.ts", "bounded_map.ts", "shared_timeout.ts"],
    // Deviation: egress/ (allowEntryProblem); NEXUS_EGRESS_ALLOW is validated with the judge's rule.
    "config/": ["errors.ts", "egress/", "names.ts", "rates.ts", "secret.ts", "upstream_spec/"],
    "store/": ["errors.ts", "log.ts", "secret.ts"],
    "credentials/": [
      "store/",
      "errors.ts",
      "log.ts",
      "canonical_json.ts",
      "names.ts",
      "secret.ts",
      "hmac_sha256.ts",
    ],
    // Deviation: upstream_spec/; tool files may hold an `upstreams:` list (hot reload).
    "registry/": ["errors.ts", "log.ts", "names.ts", "rates.ts", "upstream_spec/"],
    // The OpenAPI importer: writes registry tool files (types, name rules), raises GatewayErrors.
    "openapi/": ["registry/", "errors.ts", "log.ts", "names.ts"],
    // The tool authors' module (`nexus/tool`): defineTool and the result types, nothing else.
    "sdk.ts": ["registry/"],
    // Deviation: registry/ (types); a backend runs a ToolDefinition and returns a ToolResult.
    "backends/": [
      "credentials/",
      "registry/",
      "errors.ts",
      "log.ts",
      "rates.ts",
      "secret.ts",
      "shared_timeout.ts",
      "bounded_map.ts",
      "abort_watch.ts",
    ],
    // Deviations: config/ for parseClientRef (config validates policy entries with the same
    // parser, and config is the lower layer); registry/ because canUse(principal, tool) reads the
    // tool's name and tags; log.ts for JWKS fetch warnings.
    "auth/": [
      "store/",
      "config/",
      "registry/",
      "errors.ts",
      "log.ts",
      "secret.ts",
      "bounded_map.ts",
    ],
    // Deviation: log.ts; store faults are logged once, not thrown (a decision, never an error).
    "limits/": ["store/", "errors.ts", "log.ts", "rates.ts"],
    // Deviations: registry/ (types), the cache stores ToolResults; log.ts for store faults.
    "cache/": [
      "store/",
      "registry/",
      "errors.ts",
      "log.ts",
      "canonical_json.ts",
      "shared_timeout.ts",
      "bounded_map.ts",
    ],
    // Not in the STYLE table: the audit trail. auth/ for the Caller type of each row.
    "audit/": [
      "store/",
      "auth/",
      "errors.ts",
      "log.ts",
      "canonical_json.ts",
      "secret.ts",
      "hmac_sha256.ts",
    ],
    // Deviation: log.ts (the Logger type) and version.ts (the build info family).
    "metrics/": ["errors.ts", "log.ts", "version.ts"],
    // Not in the STYLE table: OpenTelemetry spans over Deno's built-in exporter (npm API only).
    "telemetry/": [],
    // Deviations: registry/ (types), a federated tool is a ToolDefinition with an `mcp` backend;
    // upstream_spec/ for the entry shape; version.ts for the client info sent upstream (HTTP
    // and supervised stdio alike). store/ and canonical_json.ts for tool pins.
    "upstreams/": [
      "credentials/",
      "registry/",
      "store/",
      "call_gate.ts",
      "canonical_json.ts",
      "errors.ts",
      "log.ts",
      "upstream_spec/",
      "version.ts",
    ],
    // The demo upstream: a Hono app; lib/http mounts it and injects its body reader.
    "demo/": ["errors.ts"],
    "mcp/": BELOW_MCP,
    // The admin console: its embedded files and server-side sessions; lib/http serves them.
    "console/": [],
    "http/": [
      "console/",
      "mcp/",
      "telemetry/",
      "auth/",
      "audit/",
      "credentials/",
      "store/",
      "metrics/",
      "demo/",
      "bounded_map.ts",
      "call_gate.ts",
      "hex.ts",
      "errors.ts",
      "log.ts",
      "shared_timeout.ts",
      "stream_end.ts",
      "version.ts",
    ],
    "gateway/": [...BELOW_MCP, "mcp/", "demo/", "console/", "http/"],
    "cli/": [...BELOW_MCP, "openapi/", "mcp/", "demo/", "http/", "gateway/"],
  } as Record<string, readonly string[]>,
  /** The only file of a folder that other folders (and main.ts) may import. */
  entry: "mod.ts",
  /** Files that allowed units may import past `mod.ts`, with `import type` / `export type` only. */
  typeOnlyOpenings: ["registry/types.ts"],
  /** Files outside lib/ that are checked too: they may import entries and root files only. */
  composers: ["main.ts"],
  /** Tool files: checked so they reach the gateway through `nexus/tool`, never by a lib/ path. */
  toolsDir: "tools",
  /** Files whose source the checks read. */
  sourceExtensions: [".ts", ".tsx", ".mts", ".js", ".jsx", ".mjs"],
};

/** Problems of the table itself: a row naming an unknown unit, itself or a unit below it. */
export function checkRules(allow: Readonly<Record<string, readonly string[]>>): string[] {
  const order = Object.keys(allow);
  const problems: string[] = [];
  order.forEach((unit, index) => {
    for (const target of allow[unit]!) {
      const at = order.indexOf(target);
      if (at === -1) problems.push(`RULES.allow["${unit}"] names ${target}, which has no row`);
      else if (at >= index) {
        problems.push(`RULES.allow["${unit}"] names ${target}, which is not above it`);
      }
    }
  });
  return problems;
}

/** One broken rule, located at `file:line` relative to the checked root. */
export interface Violation {
  file: string;
  line: number;
  message: string;
}

/** One import or re-export with a string-literal specifier. */
interface ImportSite {
  specifier: string;
  line: number;
  typeOnly: boolean;
}

/** Checks `root/lib/` and `root/main.ts`; returns every violation, sorted by file and line. */
export async function checkImports(root: string): Promise<Violation[]> {
  const files = await listChecked(root);
  const violations: Violation[] = [];
  for (const file of files) {
    const text = await Deno.readTextFile(`${root}/${file}`);
    violations.push(...checkFile(file, text));
  }
  return violations.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}

/** Checks one file's text; `file` is its path relative to the root, with `/` separators. */
export function checkFile(file: string, text: string): Violation[] {
  const { code, bare } = blankSource(text);
  const inLib = file.startsWith("lib/");
  const out: Violation[] = [];
  const report = (index: number, message: string) =>
    out.push({ file, line: lineAt(code, index), message });
  if (inLib && unitOf(file.slice(4)) === undefined) {
    report(0, `File is not in the layer table: add its folder to RULES.allow`);
  }
  for (const site of findImports(code)) {
    const message = judgeImport(file, site);
    if (message) out.push({ file, line: site.line, message });
  }
  if (!inLib) return out;
  if (file.endsWith(`/${RULES.entry}`)) {
    for (const m of bare.matchAll(/\bexport\s*\*/g)) {
      report(m.index, `No "export *" in ${RULES.entry}: name each export`);
    }
  }
  for (const m of bare.matchAll(/\bexport\s+default\b/g)) {
    report(m.index, `No "export default" in lib/: use a named export`);
  }
  for (const m of bare.matchAll(/(?<![\w$])console\s*\./g)) {
    report(m.index, `No console in lib/: log through lib/log.ts`);
  }
  return out;
}

/** Returns why an import breaks the rules, or undefined when it is allowed. */
function judgeImport(file: string, site: ImportSite): string | undefined {
  const { specifier } = site;
  if (!specifier.startsWith("./") && !specifier.startsWith("../")) return undefined;
  const target = resolveRelative(file, specifier);
  if (file.startsWith(`${RULES.toolsDir}/`)) {
    if (target.startsWith(`${RULES.toolsDir}/`)) return undefined;
    return `Tool files import "nexus/tool", not a path outside ${RULES.toolsDir}/: ${target}`;
  }
  const fromLib = file.startsWith("lib/");
  if (!target.startsWith("lib/")) {
    return fromLib ? `Import leaves lib/: "${specifier}" resolves to ${target}` : undefined;
  }
  const targetInLib = target.slice(4);
  const targetUnit = unitOf(targetInLib);
  if (targetUnit === undefined) return `Import of a file not in the layer table: ${target}`;
  const isEntry = !targetUnit.endsWith("/") || targetInLib === `${targetUnit}${RULES.entry}`;
  const typeOpening = site.typeOnly && RULES.typeOnlyOpenings.includes(targetInLib);
  if (!fromLib) {
    if (isEntry || typeOpening) return undefined;
    return `${file} may import lib/*/${RULES.entry} and lib root files only, not ${target}`;
  }
  const unit = unitOf(file.slice(4));
  if (unit === undefined || unit === targetUnit) return undefined;
  const allowed = RULES.allow[unit]!;
  if (!allowed.includes(targetUnit)) {
    const order = Object.keys(RULES.allow);
    if (order.indexOf(targetUnit) > order.indexOf(unit)) {
      return `Import points up: lib/${unit} imports ${target}, a unit listed below it`;
    }
    const list = allowed.length === 0 ? "nothing in lib/" : allowed.join(", ");
    return `lib/${unit} may not import lib/${targetUnit} (its row allows ${list}): ${target}`;
  }
  if (isEntry || typeOpening) return undefined;
  const hint = RULES.typeOnlyOpenings.includes(targetInLib) ? ` (or use "import type")` : "";
  return `Import bypasses lib/${targetUnit}${RULES.entry}: ${target}${hint}`;
}

/** The layer-table key owning a path under lib/ (`config/` or `errors.ts`), if listed. */
function unitOf(pathInLib: string): string | undefined {
  const slash = pathInLib.indexOf("/");
  const unit = slash === -1 ? pathInLib : pathInLib.slice(0, slash + 1);
  return unit in RULES.allow ? unit : undefined;
}

/** Resolves a relative specifier against a root-relative file path; `..` past the root clamps. */
function resolveRelative(file: string, specifier: string): string {
  const url = new URL(specifier, `file:///${file}`);
  return decodeURIComponent(url.pathname).slice(1);
}

/** Finds static imports, re-exports and dynamic imports with string-literal specifiers. */
function findImports(code: string): ImportSite[] {
  const clause = String.raw`(?:[\w$]+\s*,\s*)?(?:\{[^}]*\}|\*(?:\s*as\s+[\w$]+)?|[\w$]+)`;
  const quoted = String.raw`(["'])([^"'\n]+)\2`;
  const patterns = [
    new RegExp(String.raw`(?<![\w$.])import\s+(type\s+)?${clause}\s*from\s*${quoted}`, "g"),
    new RegExp(String.raw`(?<![\w$.])export\s+(type\s+)?${clause}\s*from\s*${quoted}`, "g"),
    new RegExp(String.raw`(?<![\w$.])import()\s*${quoted}`, "g"),
    new RegExp(String.raw`(?<![\w$.])import()\s*\(\s*${quoted}\s*[,)]`, "g"),
  ];
  const sites: ImportSite[] = [];
  for (const pattern of patterns) {
    for (const m of code.matchAll(pattern)) {
      sites.push({ specifier: m[3]!, line: lineAt(code, m.index), typeOnly: Boolean(m[1]) });
    }
  }
  return sites.sort((a, b) => a.line - b.line);
}

/**
 * Blanks comments (both views) and string, template and regex contents (`bare` only), keeping
 * every newline so indexes map to the same lines. A tokenizer in miniature, hence one function.
 */
export function blankSource(text: string): { code: string; bare: string } {
  const code = text.split("");
  const bare = text.split("");
  const blank = (view: string[], from: number, to: number) => {
    for (let i = from; i < to; i++) if (view[i] !== "\n") view[i] = " ";
  };
  const braces: number[] = []; // open-brace count inside each `${` of a template
  let last = ""; // last significant token, to tell a regex from a division
  let i = 0;
  const n = text.length;
  const scanTemplate = () => { // i is just past "`" or "}"; stops past "`" or "${"
    const start = i;
    while (i < n && text[i] !== "`" && !(text[i] === "$" && text[i + 1] === "{")) {
      i += text[i] === "\\" ? 2 : 1;
    }
    blank(bare, start, Math.min(i, n));
    if (text[i] === "$") {
      braces.push(0);
      i += 2;
      last = "{";
    } else {
      i++;
      last = "`";
    }
  };
  while (i < n) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === "/" && next === "/") {
      const end = text.indexOf("\n", i);
      const stop = end === -1 ? n : end;
      blank(code, i, stop);
      blank(bare, i, stop);
      i = stop;
    } else if (c === "/" && next === "*") {
      const end = text.indexOf("*/", i + 2);
      const stop = end === -1 ? n : end + 2;
      blank(code, i, stop);
      blank(bare, i, stop);
      i = stop;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < n && text[j] !== c && text[j] !== "\n") j += text[j] === "\\" ? 2 : 1;
      blank(bare, i + 1, Math.min(j, n));
      i = j + 1;
      last = c;
    } else if (c === "`") {
      i++;
      scanTemplate();
    } else if (c === "}" && braces.length > 0 && braces[braces.length - 1] === 0) {
      braces.pop();
      i++;
      scanTemplate();
    } else if (c === "/" && regexMayStart(last)) {
      let j = i + 1;
      let inClass = false;
      while (j < n && text[j] !== "\n" && (inClass || text[j] !== "/")) {
        if (text[j] === "[") inClass = true;
        else if (text[j] === "]") inClass = false;
        j += text[j] === "\\" ? 2 : 1;
      }
      blank(bare, i + 1, Math.min(j, n));
      i = j + 1;
      last = "/";
    } else if (/[\w$]/.test(c)) {
      const word = /^[\w$]+/.exec(text.slice(i, i + 64))![0];
      i += word.length;
      last = word;
    } else {
      const depth = braces.length - 1;
      if (depth >= 0 && (c === "{" || c === "}")) {
        braces[depth] = braces[depth]! + (c === "{" ? 1 : -1);
      }
      if (!/\s/.test(c)) last = c;
      i++;
    }
  }
  return { code: code.join(""), bare: bare.join("") };
}

const REGEX_AFTER_WORD = new Set([
  "return",
  "typeof",
  "case",
  "do",
  "else",
  "in",
  "of",
  "new",
  "delete",
  "void",
  "throw",
  "yield",
  "await",
  "instanceof",
]);

/** Whether a `/` after this token starts a regex literal rather than a division. */
function regexMayStart(last: string): boolean {
  if (last === "") return true;
  if (/^[\w$]/.test(last)) return REGEX_AFTER_WORD.has(last);
  return !")]}\"'`/".includes(last);
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Root-relative paths of every checked file: sources under lib/ and tools/, then composers. */
async function listChecked(root: string): Promise<string[]> {
  const files = [...await listSources(root, "lib"), ...await listSources(root, RULES.toolsDir)];
  for (const composer of RULES.composers) {
    if (await exists(`${root}/${composer}`)) files.push(composer);
  }
  return files;
}

/** Root-relative paths of source files under `root/dir`, depth first, sorted. */
async function listSources(root: string, dir: string): Promise<string[]> {
  if (!(await exists(`${root}/${dir}`))) return [];
  const entries: Deno.DirEntry[] = [];
  for await (const entry of Deno.readDir(`${root}/${dir}`)) entries.push(entry);
  entries.sort((a, b) => a.name.localeCompare(b.name));
  const files: string[] = [];
  for (const entry of entries) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) files.push(...await listSources(root, path));
    else if (entry.isFile && RULES.sourceExtensions.some((ext) => entry.name.endsWith(ext))) {
      files.push(path);
    }
  }
  return files;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

function writeLine(stream: { writeSync(p: Uint8Array): number }, line: string): void {
  const bytes = new TextEncoder().encode(`${line}\n`);
  let written = 0;
  while (written < bytes.length) written += stream.writeSync(bytes.subarray(written));
}

async function main(): Promise<number> {
  const root = Deno.args[0] ?? fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");
  const tableProblems = checkRules(RULES.allow);
  for (const problem of tableProblems) {
    writeLine(Deno.stderr, `scripts/check_imports.ts: ${problem}`);
  }
  if (tableProblems.length > 0) return 1;
  const violations = await checkImports(root);
  for (const v of violations) writeLine(Deno.stderr, `${v.file}:${v.line}: ${v.message}`);
  if (violations.length > 0) {
    writeLine(Deno.stderr, `check_imports: ${violations.length} violation(s)`);
    return 1;
  }
  const count = (await listChecked(root)).length;
  writeLine(Deno.stdout, `check_imports: OK, ${count} files follow the layer table`);
  return 0;
}

if (import.meta.main) Deno.exit(await main());
