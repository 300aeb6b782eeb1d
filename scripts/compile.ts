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
 * binary (`--max-old-space-size`, default `DEFAULT_HEAP_MB`, and its `--max-semi-space-size`).
 * `--dry-run` prints the commands instead of running them.
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

// Why the file, not lib/cli/mod.ts: this script runs with --allow-run=deno only, and the renderer
// is pure; mod.ts would load the whole gateway.
import { GATEWAY_ENV, LIBRARY_ENV, renderPermissions } from "../lib/cli/permission_set.ts";
import { DEFAULT_HEAP_MB, v8HeapFlags } from "./heap_limit.ts";

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

export { LIBRARY_ENV };

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
 * The permission flags every compiled binary carries, rendered by the same `renderPermissions`
 * as `nexus permissions`: read the config, tools, data and secrets directories, write the data
 * directory only, read `NEXUS_*`, `OTEL_*` and `LIBRARY_ENV`, the network, and run exactly the
 * named commands (a stop then signals each leader and closes its stdin).
 * @throws Error `Cannot grant …` for a command or variable name that would widen the grant
 */
export function permissionFlags(options: PermissionOptions = {}): string[] {
  const layout = options.layout ?? LAYOUT;
  return renderPermissions({
    reads: [layout.config, layout.data, layout.secrets],
    writes: [layout.data],
    env: [...GATEWAY_ENV, ...LIBRARY_ENV, ...(options.allowEnv ?? [])],
    run: options.allowRun ?? [],
  });
}

/** The full `deno compile` argument list for one target (after `deno`). */
export function compileArgs(
  target: Target,
  options: PermissionOptions & { heapMb?: number } = {},
): string[] {
  return [
    "compile",
    "--unstable-no-legacy-abort",
    `--v8-flags=${v8HeapFlags(options.heapMb ?? DEFAULT_HEAP_MB)}`,
    ...permissionFlags(options),
    // Why: TypeScript tools import `nexus/tool` and the shipped examples live in tools/. The admin
    // console's files need no --include: lib/console/assets.ts imports them as text modules, so
    // they are in the module graph and embedded like code (no file read, no read permission).
    "--include",
    "tools/",
    "--target",
    target,
    "--output",
    `dist/nexus-${target}`,
    "main.ts",
  ];
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
