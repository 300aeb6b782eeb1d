/**
 * `nexus permissions`: the Deno permission flags the gateway needs under the current config,
 * printed so operators can audit them; `scripts/start.ts` runs `main.ts serve` with exactly these.
 */

import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import type { Config } from "../config/mod.ts";
import { readUpstreamSpecs, type UpstreamSpec } from "../upstream_spec/mod.ts";
import { writeOut } from "./io.ts";

/** Where the permission set is computed for: running from source, or the compiled binary. */
export interface PermissionOptions {
  /** The config file path (it is read at start and on policy reload). */
  configPath: string;
  /** The config file's text, for the `${VAR}` references it names; absent: no file. */
  configText?: string;
  /** Upstreams declared in tool files (`upstreams:` lists), read at launch. */
  toolUpstreams?: UpstreamSpec[];
  /** Extra read paths (`lib/` when running from source: TypeScript tools import `nexus/tool`). */
  extraReads?: string[];
}

/** Variables every run may read: the gateway's own, OpenTelemetry's, and how children find programs. */
const ENV_PREFIXES = ["NEXUS_*", "OTEL_*", "PG*"];
// Why each: PATH and HOME are handed to stdio children; the rest are read by npm clients at load
// or connect time (yaml: LOG_*; postgres.js: PG* and the user name; redis: its debug switches;
// mysql2: NODE_DEBUG and TZ), and Deno answers an unlisted read with an error, not undefined.
const ENV_ALWAYS = [
  "PATH",
  "HOME",
  "DENO_DIR",
  "NO_COLOR",
  "TERM",
  "LOG_TOKENS",
  "LOG_STREAM",
  "USER",
  "USERNAME",
  "LOGNAME",
  "REDIS_EMIT_DIAGNOSTICS",
  "REDIS_DEBUG_MAINTENANCE",
  "NODE_DEBUG",
  "TZ",
];

/** The flags for `deno run` (never `-A`), one per permission kind, sorted values. */
export function permissionFlags(config: Config, options: PermissionOptions): string[] {
  const reads = new Set([
    // Why the file even when absent: the gateway looks for it (./nexus.yaml is optional).
    resolve(options.configPath),
    // Why the directory: the policy reload watches it, so an editor's rename-over-save is seen.
    ...(options.configText === undefined ? [] : [dirname(resolve(options.configPath))]),
    resolve(config.toolsDir),
    resolve(config.dataDir),
    ...(config.masterKeyFile === undefined ? [] : [resolve(config.masterKeyFile)]),
    ...(options.extraReads ?? []),
  ]);
  const stdio = [...config.upstreams, ...(options.toolUpstreams ?? [])].flatMap((upstream) =>
    upstream.transport.kind === "stdio" ? [upstream.transport] : []
  );
  const env = new Set([
    ...ENV_PREFIXES,
    ...ENV_ALWAYS,
    ...config.toolEnv,
    `${config.toolEnvPrefix}*`,
    ...referencedVariables(options.configText ?? ""),
  ]);
  const flags = [
    `--allow-read=${[...reads].sort().join(",")}`,
    `--allow-write=${resolve(config.dataDir)}`,
    `--allow-env=${[...env].sort().join(",")}`,
    // Why broad: HTTP tools, TypeScript tools and hot-reloaded upstreams name their hosts at run
    // time, and Deno cannot split listen from connect; the egress guard judges every connection.
    "--allow-net",
    // No --allow-sys: nothing the gateway runs needs it (postgres.js falls back from
    // os.userInfo() to USER when refused; process memory comes from Deno.memoryUsage()).
  ];
  if (stdio.length > 0) {
    // Why unscoped: the supervisor stops each child's whole process group with Deno.kill(-pid),
    // and Deno checks kill against the unscoped run permission (a scoped --allow-run=cmd makes
    // every stop fail, so shutdown would hang). Without stdio upstreams: no run permission at all.
    flags.push("--allow-run");
    // Why: node:child_process (the MCP SDK's stdio transport) reads it when spawning.
    env.add("NODE_V8_COVERAGE");
    flags[2] = `--allow-env=${[...env].sort().join(",")}`;
    for (const transport of stdio) {
      if (transport.cwd !== undefined) reads.add(resolve(transport.cwd));
    }
    flags[0] = `--allow-read=${[...reads].sort().join(",")}`;
  }
  return flags;
}

/**
 * What a run from source must read besides the config: `lib/`, because TypeScript tools import
 * `nexus/tool` (lib/sdk.ts) and a dynamically imported module's local imports need read access.
 * Empty for the compiled binary, which embeds its modules. npm packages and the static module
 * graph need none (verified with Postgres, MariaDB and Redis configured).
 */
export function sourceReads(): string[] {
  const lib = new URL("../", import.meta.url);
  if (lib.protocol !== "file:" || lib.pathname.includes("deno-compile-")) return [];
  return [fileURLToPath(lib)];
}

/**
 * The upstreams the tool files in `toolsDir` declare now (YAML `upstreams:` lists); files that
 * do not parse are left to the registry to report. A stdio upstream added by hot reload later
 * is not granted: restart through `deno task start` to grant its command.
 */
export async function readToolFileUpstreams(toolsDir: string): Promise<UpstreamSpec[]> {
  const specs: UpstreamSpec[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(toolsDir));
  } catch {
    return specs;
  }
  for (const entry of entries) {
    if (!entry.isFile || !/\.ya?ml$/.test(entry.name)) continue;
    try {
      const doc = parseYaml(await Deno.readTextFile(`${toolsDir}/${entry.name}`));
      if (doc?.upstreams !== undefined) specs.push(...readUpstreamSpecs(doc.upstreams).specs);
    } catch {
      // Why: the registry reports a broken file with its line; permissions only skip it.
    }
  }
  return specs;
}

/** Prints the flags, one per line; returns exit code 0. */
export function runPermissions(config: Config, options: PermissionOptions): number {
  writeOut(permissionFlags(config, options).join("\n"));
  return 0;
}

function referencedVariables(text: string): string[] {
  return [...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((match) => match[1]!);
}
