/**
 * Validating an `upstreams:` list: plain validation, no dependency. Each problem carries the path
 * of its key, and the caller turns it into a line (tool files) or a zod issue (`nexus.yaml`).
 */

import { CREDENTIAL_NAME_PATTERN } from "../names.ts";
import {
  isRecord,
  NAME_PART,
  readBounds,
  readCache,
  readDuration,
  readPerClient,
  readToolRules,
  readTransport,
  type Report,
} from "./fields.ts";
import { UPSTREAM_NAME_PATTERN, type UpstreamProblem, type UpstreamSpec } from "./types.ts";

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
const PINS = ["tofu", "manual", "off"];
const STARTS = ["lazy", "boot"];
const SEPARATOR = /^[A-Za-z0-9_.-]{0,8}$/;

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
