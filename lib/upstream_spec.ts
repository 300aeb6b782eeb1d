/**
 * The `upstreams:` entry shape, shared by `nexus.yaml` (config) and tool files (registry), so an
 * upstream one of them accepts is never refused by the other. Plain validation, no dependency:
 * each problem carries the path of its key, and the caller turns it into a line or a zod issue.
 */

import { CREDENTIAL_NAME_PATTERN } from "./names.ts";

/** Upstream names: lower-case letters, digits, `_` and `-`. */
export const UPSTREAM_NAME_PATTERN: RegExp = /^[a-z0-9_-]{1,64}$/;

/** How the gateway reaches an upstream: Streamable HTTP, or a supervised stdio child. */
export type UpstreamTransport = HttpTransport | StdioTransport;

/** A Streamable HTTP upstream (either protocol era). */
export interface HttpTransport {
  /** Discriminant: always `"http"`. */
  kind: "http";
  /** The absolute MCP endpoint URL. */
  url: string;
}

/** A stdio upstream: a child process the gateway supervises. */
export interface StdioTransport {
  /** Discriminant: always `"stdio"`. */
  kind: "stdio";
  /** The program to run; never holds a credential reference. */
  command: string;
  /** Its arguments; never hold a credential reference (argv is visible to every local user). */
  args: string[];
  /** Values may hold `${credential:NAME}`, resolved from the vault when the child starts. */
  env: Record<string, string>;
  /** Working directory; default the gateway's. */
  cwd?: string;
}

/** Which upstream tools are federated, and how they are renamed and described. */
export interface UpstreamToolRules {
  /** Globs (`*`, `?`) over upstream tool names; empty means every tool. */
  allow: string[];
  /** Globs over upstream tool names; a denied tool is never listed, even when allowed. */
  deny: string[];
  /** Upstream name → new name; the prefix is put in front of the new name. */
  rename: Record<string, string>;
  /** Upstream name → description that replaces the upstream's own. */
  describe: Record<string, string>;
}

/** One validated upstream MCP server. */
export interface UpstreamSpec {
  /** Unique across `nexus.yaml` and every tool file. */
  name: string;
  /** `url:` or `stdio:`. */
  transport: UpstreamTransport;
  /** Vault credential: headers for HTTP; for stdio it is referenced in `env` values. */
  auth?: string;
  /** Put in front of every federated name; default the upstream name, `""` for none. */
  prefix: string;
  /** Between prefix and name; default `_`. */
  separator: string;
  /** Which tools are federated, renamed and re-described. */
  tools: UpstreamToolRules;
  /** Which prompts are federated (globs over prompt names), renamed and re-described. */
  prompts?: UpstreamToolRules;
  /**
   * Which resources and resource templates are federated: `allow`/`deny` globs over resource
   * URIs and URI templates (never renamed: a URI means the same thing everywhere).
   */
  resources?: UpstreamToolRules;
  /** Per-call timeout in milliseconds; default 30 000, at most 300 000. */
  timeoutMs: number;
  /** Most calls in flight at once; absent means unbounded. */
  maxConcurrent?: number;
  /** Calls that may wait for a slot beyond `maxConcurrent`; absent: 2 × `maxConcurrent`. */
  queue?: number;
  /** Longest wait for a slot in milliseconds; absent: 2 000. */
  queueTimeoutMs?: number;
  /** Circuit breaker settings; absent: 5 failures, 30 s. */
  breaker?: UpstreamBreakerSpec;
  /** Response-cache TTL for the upstream's tools marked `readOnlyHint`; absent: never cached. */
  cacheTtlMs?: number;
  /** Tool pinning mode (validated now; enforced by a later step). */
  pin: "tofu" | "manual" | "off";
  /**
   * `boot`: connected (stdio: started) and listed when the gateway starts, and kept running.
   * `lazy` (default): contacted at the gateway's first MCP request (or when added after it).
   */
  start: "lazy" | "boot";
  /** Stdio only: one child per caller (principal) instead of one shared child; absent: shared. */
  perClient?: UpstreamPerClientSpec;
}

/** `perClient:` of a stdio upstream: children per principal, stopped when idle, capped. */
export interface UpstreamPerClientSpec {
  /** A child with no call for this long (milliseconds) is stopped; default 5 minutes. */
  idleTimeoutMs: number;
  /** Most per-principal children at once (the listing child apart); default 32. */
  maxChildren: number;
}

/** `breaker:` of an upstream: when its circuit opens, and the first back-off before a probe. */
export interface UpstreamBreakerSpec {
  /** Consecutive failed calls that open the circuit; default 5. */
  failures: number;
  /** Milliseconds before the first probe; doubled after each failed probe, capped at 10×. */
  resetAfterMs: number;
}

/** Failed calls in a row that open an upstream's circuit, when `breaker.failures` is absent. */
export const DEFAULT_BREAKER_FAILURES = 5;
/** Back-off before the first probe, when `breaker.resetAfter` is absent. */
export const DEFAULT_BREAKER_RESET_MS = 30_000;
/** Idle time before a per-client child is stopped, when `perClient.idleTimeout` is absent. */
export const DEFAULT_PER_CLIENT_IDLE_MS = 300_000;
/** Per-principal children of one upstream at most, when `perClient.maxChildren` is absent. */
export const DEFAULT_PER_CLIENT_MAX = 32;
/** Longest wait for a call slot, when `queueTimeout` is absent. */
export const DEFAULT_QUEUE_TIMEOUT_MS = 2_000;

/** A problem with one key of an upstream entry, `path` from the `upstreams` list. */
export interface UpstreamProblem {
  /** Keys from the list down to the offending one (`[0, "stdio", "args", 1]`). */
  path: (string | number)[];
  /** What is wrong, lower case, no period. */
  message: string;
}

const KEYS = [
  "name",
  "url",
  "stdio",
  "auth",
  "prefix",
  "separator",
  "tools",
  "prompts",
  "resources",
  "timeout",
  "maxConcurrent",
  "queue",
  "queueTimeout",
  "breaker",
  "pin",
  "cache",
  "start",
  "perClient",
];
const STDIO_KEYS = ["command", "args", "env", "cwd"];
const TOOLS_KEYS = ["allow", "deny", "rename", "describe"];
const RESOURCES_KEYS = ["allow", "deny"];
const PINS = ["tofu", "manual", "off"];
const STARTS = ["lazy", "boot"];
const NAME_PART = /^[A-Za-z0-9_.-]{0,64}$/;
const SEPARATOR = /^[A-Za-z0-9_.-]{0,8}$/;
const CREDENTIAL_REFERENCE = /\$\{credential:([^}]*)\}/g;
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DEFAULT_TIMEOUT_MS = 30_000;
const MAX_TIMEOUT_MS = 300_000;
const MAX_CACHE_TTL_MS = 86_400_000;

/** Validates an `upstreams:` list; returns the valid entries and every problem found. */
export function readUpstreamSpecs(
  value: unknown,
): { specs: UpstreamSpec[]; problems: UpstreamProblem[] } {
  if (value === undefined || value === null) return { specs: [], problems: [] };
  if (!Array.isArray(value)) {
    return { specs: [], problems: [{ path: [], message: "upstreams must be a list" }] };
  }
  const specs: UpstreamSpec[] = [];
  const problems: UpstreamProblem[] = [];
  const seen = new Set<string>();
  value.forEach((entry, index) => {
    const found: UpstreamProblem[] = [];
    const spec = readUpstream(
      entry,
      (path, message) => found.push({ path: [index, ...path], message }),
    );
    problems.push(...found);
    if (spec === undefined || found.length > 0) return;
    if (seen.has(spec.name)) {
      problems.push({ path: [index, "name"], message: `duplicate upstream name "${spec.name}"` });
      return;
    }
    seen.add(spec.name);
    specs.push(spec);
  });
  return { specs, problems };
}

type Report = (path: (string | number)[], message: string) => void;

function readUpstream(entry: unknown, report: Report): UpstreamSpec | undefined {
  if (!isRecord(entry)) {
    report([], "each upstream must be a mapping");
    return undefined;
  }
  for (const key of Object.keys(entry)) {
    if (!KEYS.includes(key)) report([key], `unknown key "${key}"`);
  }
  const name = entry.name;
  if (typeof name !== "string" || !UPSTREAM_NAME_PATTERN.test(name)) {
    report(["name"], "name must be 1-64 of a-z 0-9 _ -");
  }
  const transport = readTransport(entry, report);
  const auth = entry.auth;
  if (auth !== undefined && (typeof auth !== "string" || !CREDENTIAL_NAME_PATTERN.test(auth))) {
    report(["auth"], "auth must name a credential: a-z 0-9 _ -, starting with a letter or digit");
  }
  const prefix = entry.prefix ?? name;
  if (typeof prefix !== "string" || !NAME_PART.test(prefix)) {
    report(["prefix"], 'prefix must be at most 64 of A-Z a-z 0-9 _ . - ("" for none)');
  }
  const separator = entry.separator ?? "_";
  if (typeof separator !== "string" || !SEPARATOR.test(separator)) {
    report(["separator"], "separator must be at most 8 of A-Z a-z 0-9 _ . -");
  }
  const tools = readToolRules(entry.tools, report);
  const prompts = entry.prompts === undefined
    ? undefined
    : readToolRules(entry.prompts, report, "prompts");
  const resources = entry.resources === undefined
    ? undefined
    : readToolRules(entry.resources, report, "resources");
  const timeoutMs = readDuration(entry.timeout, ["timeout"], report);
  const cacheTtlMs = readCache(entry.cache, report);
  const maxConcurrent = entry.maxConcurrent;
  if (
    maxConcurrent !== undefined &&
    (!Number.isInteger(maxConcurrent) || (maxConcurrent as number) < 1 ||
      (maxConcurrent as number) > 10_000)
  ) {
    report(["maxConcurrent"], "maxConcurrent must be an integer from 1 to 10000");
  }
  const bounds = readBounds(entry, report);
  const pin = entry.pin ?? "tofu";
  if (typeof pin !== "string" || !PINS.includes(pin)) {
    report(["pin"], "pin must be one of tofu, manual, off");
  }
  const start = entry.start ?? "lazy";
  if (typeof start !== "string" || !STARTS.includes(start)) {
    report(["start"], "start must be one of lazy, boot");
  }
  const perClient = readPerClient(entry, transport, report);
  if (
    !transport || !tools || timeoutMs === undefined || cacheTtlMs === null || !bounds ||
    perClient === null
  ) {
    return undefined;
  }
  if ((entry.prompts !== undefined && !prompts) || (entry.resources !== undefined && !resources)) {
    return undefined;
  }
  return {
    name: name as string,
    transport,
    ...(typeof auth === "string" ? { auth } : {}),
    prefix: prefix as string,
    separator: separator as string,
    tools,
    ...(prompts ? { prompts } : {}),
    ...(resources ? { resources } : {}),
    timeoutMs,
    ...(typeof maxConcurrent === "number" ? { maxConcurrent } : {}),
    ...bounds,
    ...(cacheTtlMs === undefined ? {} : { cacheTtlMs }),
    pin: pin as UpstreamSpec["pin"],
    start: start as UpstreamSpec["start"],
    ...(perClient === undefined ? {} : { perClient }),
  };
}

/** `perClient: true | { idleTimeout, maxChildren }`: undefined when off, null after a problem. */
function readPerClient(
  entry: Record<string, unknown>,
  transport: UpstreamTransport | undefined,
  report: Report,
): UpstreamPerClientSpec | undefined | null {
  const value = entry.perClient;
  if (value === undefined || value === false) return undefined;
  if (value !== true && !isRecord(value)) {
    report(["perClient"], "perClient must be true, false or a mapping (idleTimeout, maxChildren)");
    return null;
  }
  if (entry.url !== undefined || transport?.kind === "http") {
    report(["perClient"], "perClient is for stdio upstreams only");
    return null;
  }
  const options: Record<string, unknown> = value === true ? {} : value;
  let failed = false;
  for (const key of Object.keys(options)) {
    if (key !== "idleTimeout" && key !== "maxChildren") {
      report(["perClient", key], `unknown key "${key}"`);
      failed = true;
    }
  }
  const idleTimeoutMs = options.idleTimeout === undefined
    ? DEFAULT_PER_CLIENT_IDLE_MS
    : readDuration(options.idleTimeout, ["perClient", "idleTimeout"], report, MAX_CACHE_TTL_MS);
  const maxChildren = options.maxChildren ?? DEFAULT_PER_CLIENT_MAX;
  if (!isCount(maxChildren, 1, 1000)) {
    report(["perClient", "maxChildren"], "perClient.maxChildren must be an integer from 1 to 1000");
    failed = true;
  }
  if (failed || idleTimeoutMs === undefined) return null;
  return { idleTimeoutMs, maxChildren: maxChildren as number };
}

function readTransport(
  entry: Record<string, unknown>,
  report: Report,
): UpstreamTransport | undefined {
  if ((entry.url === undefined) === (entry.stdio === undefined)) {
    report([], 'an upstream needs exactly one of "url" or "stdio"');
    return undefined;
  }
  if (entry.url !== undefined) return readUrl(entry.url, report);
  return readStdio(entry.stdio, report);
}

function readUrl(value: unknown, report: Report): UpstreamTransport | undefined {
  let url: URL | undefined;
  try {
    url = typeof value === "string" ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
    report(["url"], "url must be an absolute http or https URL");
    return undefined;
  }
  return { kind: "http", url: url.href };
}

function readStdio(value: unknown, report: Report): UpstreamTransport | undefined {
  if (!isRecord(value)) {
    report(["stdio"], "stdio must be a mapping with a command");
    return undefined;
  }
  let failed = false;
  function fail(path: (string | number)[], message: string): void {
    failed = true;
    report(["stdio", ...path], message);
  }
  for (const key of Object.keys(value)) {
    if (!STDIO_KEYS.includes(key)) fail([key], `unknown key "${key}"`);
  }
  const { command, cwd } = value;
  const args = value.args ?? [];
  const env = value.env ?? {};
  if (typeof command !== "string" || command.trim() === "") {
    fail(["command"], "command must be a non-empty string");
  }
  if (!Array.isArray(args) || !args.every((arg) => typeof arg === "string")) {
    fail(["args"], "args must be a list of strings");
  }
  if (!isRecord(env) || !Object.values(env).every((item) => typeof item === "string")) {
    fail(["env"], "env must map variable names to strings");
  }
  if (cwd !== undefined && typeof cwd !== "string") fail(["cwd"], "cwd must be a string");
  // Why: argv is visible to every user of the host (ps, /proc); secrets go in env only.
  const onArgv: Array<[(string | number)[], unknown]> = [
    [["command"], command],
    [["cwd"], cwd],
    ...(Array.isArray(args)
      ? args.map((arg, i): [(string | number)[], unknown] => [["args", i], arg])
      : []),
  ];
  for (const [path, item] of onArgv) {
    if (typeof item === "string" && item.includes("${credential:")) {
      fail(path, "credential references are allowed in stdio.env values only, never on argv");
    }
  }
  if (isRecord(env)) {
    for (const [key, item] of Object.entries(env)) {
      for (const match of String(item).matchAll(CREDENTIAL_REFERENCE)) {
        if (!CREDENTIAL_NAME_PATTERN.test(match[1] ?? "")) {
          fail(["env", key], `"\${credential:${match[1]}}" does not name a valid credential`);
        }
      }
    }
  }
  if (failed) return undefined;
  return {
    kind: "stdio",
    command: command as string,
    args: args as string[],
    env: env as Record<string, string>,
    ...(typeof cwd === "string" ? { cwd } : {}),
  };
}

function readToolRules(
  value: unknown,
  report: Report,
  section: "tools" | "prompts" | "resources" = "tools",
): UpstreamToolRules | undefined {
  const keys = section === "resources" ? RESOURCES_KEYS : TOOLS_KEYS;
  const what = section === "resources" ? "resource URIs" : "names";
  const rules: UpstreamToolRules = { allow: [], deny: [], rename: {}, describe: {} };
  if (value === undefined) return rules;
  if (!isRecord(value)) {
    report([section], `${section} must be a mapping (${keys.join(", ")})`);
    return undefined;
  }
  let failed = false;
  function fail(path: (string | number)[], message: string): void {
    failed = true;
    report([section, ...path], message);
  }
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) fail([key], `unknown key "${key}"`);
  }
  for (const key of ["allow", "deny"] as const) {
    const globs = value[key] ?? [];
    if (!Array.isArray(globs) || !globs.every((glob) => typeof glob === "string" && glob !== "")) {
      fail([key], `${key} must be a list of ${what.slice(0, -1)} globs`);
    } else rules[key] = globs as string[];
  }
  for (const key of ["rename", "describe"] as const) {
    const map = value[key] ?? {};
    if (!isRecord(map) || !Object.values(map).every((item) => typeof item === "string")) {
      fail([key], `${key} must map upstream ${section.slice(0, -1)} names to strings`);
    } else rules[key] = map as Record<string, string>;
  }
  for (const [from, to] of Object.entries(rules.rename)) {
    if (!NAME_PART.test(to) || to === "") {
      fail(["rename", from], `rename target "${to}" must be 1-64 of A-Z a-z 0-9 _ . -`);
    }
  }
  return failed ? undefined : rules;
}

/** `queue`, `queueTimeout` and `breaker`; undefined after a reported problem. */
function readBounds(
  entry: Record<string, unknown>,
  report: Report,
): Pick<UpstreamSpec, "queue" | "queueTimeoutMs" | "breaker"> | undefined {
  let failed = false;
  const out: Pick<UpstreamSpec, "queue" | "queueTimeoutMs" | "breaker"> = {};
  const { queue, queueTimeout, breaker } = entry;
  if ((queue !== undefined || queueTimeout !== undefined) && entry.maxConcurrent === undefined) {
    report(["queue"], "queue and queueTimeout need maxConcurrent");
    failed = true;
  }
  if (queue !== undefined) {
    if (!isCount(queue, 0, 100_000)) {
      report(["queue"], "queue must be an integer from 0 to 100000");
      failed = true;
    } else out.queue = queue;
  }
  if (queueTimeout !== undefined) {
    const ms = readDuration(queueTimeout, ["queueTimeout"], report);
    if (ms === undefined) failed = true;
    else out.queueTimeoutMs = ms;
  }
  if (breaker !== undefined) {
    const read = readBreaker(breaker, report);
    if (read === undefined) failed = true;
    else out.breaker = read;
  }
  return failed ? undefined : out;
}

function readBreaker(value: unknown, report: Report): UpstreamBreakerSpec | undefined {
  if (
    !isRecord(value) || Object.keys(value).some((key) => !["failures", "resetAfter"].includes(key))
  ) {
    report(["breaker"], "breaker must be a mapping with failures and resetAfter only");
    return undefined;
  }
  const failures = value.failures ?? DEFAULT_BREAKER_FAILURES;
  let failed = false;
  if (!isCount(failures, 1, 1000)) {
    report(["breaker", "failures"], "breaker.failures must be an integer from 1 to 1000");
    failed = true;
  }
  const resetAfterMs = value.resetAfter === undefined
    ? DEFAULT_BREAKER_RESET_MS
    : readDuration(value.resetAfter, ["breaker", "resetAfter"], report);
  if (failed || resetAfterMs === undefined) return undefined;
  return { failures: failures as number, resetAfterMs };
}

function isCount(value: unknown, min: number, max: number): value is number {
  return Number.isInteger(value) && (value as number) >= min && (value as number) <= max;
}

/** `cache: { ttl }`: the TTL in ms, undefined when absent, null after a reported problem. */
function readCache(value: unknown, report: Report): number | undefined | null {
  if (value === undefined) return undefined;
  if (!isRecord(value) || Object.keys(value).some((key) => key !== "ttl")) {
    report(["cache"], "cache must be a mapping with only a ttl");
    return null;
  }
  if (value.ttl === undefined) {
    report(["cache"], 'missing required key "cache.ttl"');
    return null;
  }
  const ms = readDuration(value.ttl, ["cache", "ttl"], report, MAX_CACHE_TTL_MS);
  return ms === undefined ? null : ms;
}

function readDuration(
  value: unknown,
  path: string[],
  report: Report,
  max = MAX_TIMEOUT_MS,
): number | undefined {
  if (value === undefined) return DEFAULT_TIMEOUT_MS;
  // Why a copy of the registry's duration rule: this leaf may not import registry/.
  let ms: number | undefined;
  if (typeof value === "number" && Number.isFinite(value) && value > 0) ms = Math.round(value);
  const match = typeof value === "string" ? DURATION.exec(value.trim()) : null;
  if (match) ms = Math.round(Number(match[1]) * (UNIT_MS[match[2] as string] ?? 0)) || undefined;
  if (ms === undefined || ms > max) {
    const most = max === MAX_TIMEOUT_MS ? "5m" : "24h";
    report(path, `${path.join(".")} must be a duration such as "10s", at most ${most}`);
    return undefined;
  }
  return ms;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
