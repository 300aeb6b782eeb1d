/**
 * The readers of an upstream entry's keys (transport, tool rules, bounds, breaker, cache,
 * durations, `perClient`); each reports its problems with the path of its key.
 */

import { CREDENTIAL_NAME_PATTERN } from "../names.ts";
import {
  DEFAULT_BREAKER_FAILURES,
  DEFAULT_BREAKER_RESET_MS,
  DEFAULT_PER_CLIENT_IDLE_MS,
  DEFAULT_PER_CLIENT_MAX,
  type UpstreamBreakerSpec,
  type UpstreamPerClientSpec,
  type UpstreamSpec,
  type UpstreamToolRules,
  type UpstreamTransport,
} from "./types.ts";

/** A prompt or tool name part (`prefix`, a rename target): at most 64 of A-Z a-z 0-9 _ . -. */
export const NAME_PART = /^[A-Za-z0-9_.-]{0,64}$/;

/** Reports one problem at `path` below the upstream entry. */
export type Report = (path: (string | number)[], message: string) => void;

const STDIO_KEYS = ["command", "args", "env", "cwd"];
const TOOLS_KEYS = ["allow", "deny", "rename", "describe"];
const RESOURCES_KEYS = ["allow", "deny"];
const CREDENTIAL_REFERENCE = /\$\{credential:([^}]*)\}/g;
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DEFAULT_TIMEOUT_MS = 30_000;
const MAX_TIMEOUT_MS = 300_000;
const MAX_CACHE_TTL_MS = 86_400_000;

export function readPerClient(
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

export function readTransport(
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

export function readToolRules(
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
export function readBounds(
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
export function readCache(value: unknown, report: Report): number | undefined | null {
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

export function readDuration(
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

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
