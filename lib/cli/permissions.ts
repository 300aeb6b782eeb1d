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
import { GATEWAY_ENV, LIBRARY_ENV, renderPermissions } from "./permission_set.ts";

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

/**
 * Variables a run from source reads besides `GATEWAY_ENV` and `LIBRARY_ENV`: Deno's own (`DENO_DIR`,
 * `NO_COLOR`, `TERM`) and `PATH`/`HOME`, handed to stdio children.
 */
const SOURCE_ENV = ["PATH", "HOME", "DENO_DIR", "NO_COLOR", "TERM"];

/** The flags for `deno run` (never `-A`), one per permission kind (permission_set.ts renders them). */
export function permissionFlags(config: Config, options: PermissionOptions): string[] {
  const stdio = [...config.upstreams, ...(options.toolUpstreams ?? [])].flatMap((upstream) =>
    upstream.transport.kind === "stdio" ? [upstream.transport] : []
  );
  const reads = new Set([
    // Why the file even when absent: the gateway looks for it (./nexus.yaml is optional).
    resolve(options.configPath),
    // Why the directory: the policy reload watches it, so an editor's rename-over-save is seen.
    ...(options.configText === undefined ? [] : [dirname(resolve(options.configPath))]),
    resolve(config.toolsDir),
    resolve(config.dataDir),
    ...(config.masterKeyFile === undefined ? [] : [resolve(config.masterKeyFile)]),
    ...(options.extraReads ?? []),
    ...stdio.flatMap((transport) => transport.cwd === undefined ? [] : [resolve(transport.cwd)]),
  ]);
  const env = new Set([
    ...GATEWAY_ENV,
    ...LIBRARY_ENV,
    ...SOURCE_ENV,
    ...config.toolEnv,
    `${config.toolEnvPrefix}*`,
    ...referencedVariables(options.configText ?? ""),
  ]);
  return renderPermissions({
    reads: [...reads].sort(),
    writes: [resolve(config.dataDir)],
    env: [...env].sort(),
    // Why scoped: only the stdio upstreams' commands; a stop then signals each leader and closes
    // its stdin (Deno refuses the group signal under a scoped grant). Without stdio upstreams: none.
    run: [...new Set(stdio.map((transport) => transport.command))].sort(),
  });
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
