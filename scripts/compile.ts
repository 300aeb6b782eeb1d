/**
 * `deno task compile`: one `deno compile` per release target, each binary with the same explicit
 * permission set baked in (never `-A`).
 *
 * Usage: deno run --allow-run=deno scripts/compile.ts
 *          [--target T]... [--allow-run CMD,...] [--allow-env VAR,...] [--heap-mb N] [--dry-run]
 *
 * `--target` builds only the named targets (default: all of `TARGETS`). `--allow-run` grants
 * subprocess permission for exactly the commands of your stdio upstreams (default: none, so the
 * binary cannot start a process). `--allow-env` adds variables tool files read outside `NEXUS_*`
 * (`NEXUS_TOOL_ENV`, `${VAR}` in nexus.yaml). `--heap-mb` is the V8 heap limit baked into the
 * binary (`--max-old-space-size`, default `DEFAULT_HEAP_MB`). `--dry-run` prints the commands
 * instead of running them.
 *
 * Why baked: a compiled Deno binary reads no `DENO_V8_FLAGS` (denort sets only the flags compiled
 * in), so its heap limit is fixed at build time; build per memory size (the container image takes
 * `--build-arg NEXUS_HEAP_MB=…`).
 *
 * Why fixed paths: a compiled binary's permissions cannot be widened at run time, so the binary
 * reads and writes only the directories of the layout below, the same in the container image,
 * the Helm chart and an on-prem install. Run it with its working directory set to `/etc/nexus`
 * (where `./nexus.yaml` is looked for).
 */

import { DEFAULT_HEAP_MB } from "./heap_limit.ts";

/** The directories a compiled binary may touch; the container image uses the same layout. */
export const LAYOUT = {
  /** Config (`nexus.yaml`, the working directory) and tool definitions (`tools/`): read only. */
  config: "/etc/nexus",
  /** `NEXUS_DATA_DIR`: the embedded store and key files; the only directory written. */
  data: "/var/lib/nexus",
  /** Mounted secrets (`NEXUS_MASTER_KEY_FILE`, Docker and Kubernetes secrets): read only. */
  secrets: "/run/secrets",
} as const;

/** The release targets: Linux x86-64 and arm64 (glibc), macOS x86-64 and Apple silicon. */
export const TARGETS = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
] as const;

/** One release target. */
export type Target = typeof TARGETS[number];

/**
 * Environment variables the gateway and its npm dependencies read, besides `NEXUS_*` and `OTEL_*`.
 * Why each: postgres.js reads `PG*` (connection defaults) and `USER`/`LOGNAME`/`USERNAME` (default
 * user); yaml reads `LOG_TOKENS`/`LOG_STREAM`; @redis/client reads `REDIS_DEBUG_MAINTENANCE` and
 * `REDIS_EMIT_DIAGNOSTICS`; mysql2 reads `NODE_DEBUG` and `TZ`. Found by grepping the pinned
 * packages for `process.env` and confirmed by starting the gateway with exactly this set
 * (tests/deploy/permissions_int_test.ts); a missing one fails start-up with `NotCapable`.
 */
export const LIBRARY_ENV = [
  "PG*",
  "USER",
  "LOGNAME",
  "USERNAME",
  "LOG_TOKENS",
  "LOG_STREAM",
  "REDIS_DEBUG_MAINTENANCE",
  "REDIS_EMIT_DIAGNOSTICS",
  "NODE_DEBUG",
  "TZ",
] as const;

/** Options of `permissionFlags`. */
export interface PermissionOptions {
  /** Directories of the layout; defaults to `LAYOUT`. */
  layout?: { config: string; data: string; secrets: string };
  /** Commands stdio upstreams run; empty (the default) grants no subprocess permission. */
  allowRun?: readonly string[];
  /** Further variables tool files or the config read (`NEXUS_TOOL_ENV`, `${VAR}`). */
  allowEnv?: readonly string[];
}

/**
 * The permission flags every compiled binary carries: read the config, tools, data and secrets
 * directories, write the data directory only, read `NEXUS_*`, `OTEL_*` and `LIBRARY_ENV`, and the
 * network (backends are known only at run time; the gateway's own egress checks apply there).
 */
export function permissionFlags(options: PermissionOptions = {}): string[] {
  const layout = options.layout ?? LAYOUT;
  const flags = [
    "--allow-net",
    `--allow-read=${[layout.config, layout.data, layout.secrets].join(",")}`,
    `--allow-write=${layout.data}`,
    `--allow-env=${["NEXUS_*", "OTEL_*", ...LIBRARY_ENV].join(",")}`,
  ];
  const run = options.allowRun ?? [];
  for (const command of run) {
    if (command === "" || command.includes(",")) {
      throw new Error(`Cannot grant --allow-run: "${command}" is not a single command`);
    }
  }
  const extraEnv = options.allowEnv ?? [];
  for (const name of extraEnv) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*\*?$/.test(name)) {
      throw new Error(`Cannot grant --allow-env: "${name}" is not a variable name`);
    }
  }
  if (extraEnv.length > 0) flags.push(`--allow-env=${extraEnv.join(",")}`);
  // Why PATH and HOME with run: a stdio child is looked up on PATH, and npx-style servers need HOME.
  if (run.length > 0) flags.push(`--allow-run=${run.join(",")}`, "--allow-env=PATH,HOME");
  return mergeEnvFlags(flags);
}

/** The full `deno compile` argument list for one target (after `deno`). */
export function compileArgs(
  target: Target,
  options: PermissionOptions & { heapMb?: number } = {},
): string[] {
  return [
    "compile",
    "--unstable-no-legacy-abort",
    `--v8-flags=--max-old-space-size=${options.heapMb ?? DEFAULT_HEAP_MB}`,
    ...permissionFlags(options),
    // Why: TypeScript tools import `nexus/tool` and the shipped examples live in tools/.
    "--include",
    "tools/",
    "--target",
    target,
    "--output",
    `dist/nexus-${target}`,
    "main.ts",
  ];
}

// Why: one --allow-env flag listing every variable keeps the baked-in set auditable in one place.
function mergeEnvFlags(flags: string[]): string[] {
  const env = flags.filter((flag) => flag.startsWith("--allow-env="))
    .flatMap((flag) => flag.slice("--allow-env=".length).split(","));
  const rest = flags.filter((flag) => !flag.startsWith("--allow-env="));
  return [...rest, `--allow-env=${env.join(",")}`];
}

/** Parsed command line of this script. */
export interface CompileCommand {
  targets: Target[];
  allowRun: string[];
  allowEnv: string[];
  /** The heap limit to compile in; absent: `DEFAULT_HEAP_MB`. */
  heapMb?: number;
  dryRun: boolean;
}

/** Parses this script's arguments; throws `Cannot compile: …` on an unknown flag or target. */
export function parseCompileArgs(args: readonly string[]): CompileCommand {
  const targets: Target[] = [];
  const allowRun: string[] = [];
  const allowEnv: string[] = [];
  let dryRun = false;
  let heapMb: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--dry-run") dryRun = true;
    else if (arg === "--heap-mb") heapMb = parseHeapMb(args[++i]);
    else if (arg === "--target" || arg === "--allow-run" || arg === "--allow-env") {
      const value = args[++i];
      if (value === undefined) throw new Error(`Cannot compile: ${arg} needs a value`);
      if (arg === "--allow-run") allowRun.push(...value.split(",").filter((c) => c !== ""));
      else if (arg === "--allow-env") allowEnv.push(...value.split(",").filter((c) => c !== ""));
      else if (isTarget(value)) targets.push(value);
      else throw new Error(`Cannot compile: unknown target "${value}" (one of ${TARGETS})`);
    } else throw new Error(`Cannot compile: unknown argument "${arg}"`);
  }
  return {
    targets: targets.length > 0 ? targets : [...TARGETS],
    allowRun,
    allowEnv,
    ...(heapMb === undefined ? {} : { heapMb }),
    dryRun,
  };
}

function parseHeapMb(value: string | undefined): number {
  const heapMb = Number(value);
  if (value === undefined || !Number.isInteger(heapMb) || heapMb < 16) {
    throw new Error(`Cannot compile: --heap-mb needs a whole number of MB ≥ 16: ${value ?? ""}`);
  }
  return heapMb;
}

function isTarget(value: string): value is Target {
  return (TARGETS as readonly string[]).includes(value);
}

async function main(args: string[]): Promise<number> {
  let command: CompileCommand;
  try {
    command = parseCompileArgs(args);
  } catch (error) {
    writeLine(Deno.stderr, (error as Error).message);
    return 2;
  }
  for (const target of command.targets) {
    let argv: string[];
    try {
      argv = compileArgs(target, {
        allowRun: command.allowRun,
        allowEnv: command.allowEnv,
        ...(command.heapMb === undefined ? {} : { heapMb: command.heapMb }),
      });
    } catch (error) {
      writeLine(Deno.stderr, (error as Error).message);
      return 2;
    }
    writeLine(Deno.stdout, `deno ${argv.join(" ")}`);
    if (command.dryRun) continue;
    const status = await new Deno.Command("deno", { args: argv }).spawn().status;
    if (!status.success) {
      writeLine(Deno.stderr, `Cannot compile ${target}: deno compile exited with ${status.code}`);
      return 1;
    }
  }
  return 0;
}

function writeLine(stream: { writeSync(bytes: Uint8Array): number }, line: string): void {
  stream.writeSync(new TextEncoder().encode(`${line}\n`));
}

if (import.meta.main) Deno.exit(await main(Deno.args));
