/**
 * Starting the three processes under test: the REST backend, the hand-written SDK v2 server and
 * the Nexus gateway (`main.ts serve`) with a tools dir holding one YAML `get_item` tool.
 */

import { spawnDeno, type Subprocess } from "./processes.ts";

/** One running server and where it listens. */
export interface RunningServer {
  url: string;
  process: Subprocess;
}

const REPO = new URL("../", import.meta.url);
/** The repository's deno.json, so subprocesses resolve imports and format as the repo does. */
export const CONFIG = new URL("deno.json", REPO).pathname;
/** The runtime flags of `deno task start`, used for both MCP servers so they run alike. */
export const SERVER_FLAGS = [
  "--unstable-no-legacy-abort",
  "--allow-net",
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-sys",
];

/** Starts the REST backend in its own process. */
export async function startBackend(): Promise<RunningServer> {
  const { process, url } = await spawnDeno({
    args: ["run", "--allow-net", scriptPath("bench/backend_server.ts")],
    readyOn: "stdout",
    readUrl: (record) => stringField(record, "url"),
  });
  return { url, process };
}

/** Starts the hand-written SDK v2 server calling `backendUrl`; `extraFlags` go to `deno run`. */
export async function startHandwritten(
  backendUrl: string,
  extraFlags: string[] = [],
): Promise<RunningServer> {
  const { process, url } = await spawnDeno({
    args: [
      "run",
      ...SERVER_FLAGS,
      ...extraFlags,
      "--config",
      CONFIG,
      scriptPath("bench/handwritten_server.ts"),
      backendUrl,
    ],
    readyOn: "stdout",
    readUrl: (record) => stringField(record, "url"),
  });
  return { url, process };
}

/** Options for starting Nexus. */
export interface NexusOptions {
  toolsDir: string;
  /** Extra `deno run` flags, e.g. `--cpu-prof`. */
  extraFlags?: string[];
  /** Extra environment, e.g. `NEXUS_DIRECT_DISPATCH: "false"` or the memory section's bounds. */
  env?: Record<string, string>;
  /** Another checkout's root to run instead of this one (`bench/rest_ab.ts --base`). */
  repo?: string;
  /** A program Deno runs under, with its arguments (`bench/rest_callgrind.ts`: valgrind). */
  wrapper?: string[];
}

/**
 * Starts `main.ts serve` on port 0 and reads its URL from the "Nexus listening" log line.
 * Why info and not warn: the listening line is an info record, and at info the per-call path
 * writes nothing (call and upstream records are debug); run.ts checks that stderr stays silent.
 */
export async function startNexus(options: NexusOptions): Promise<RunningServer> {
  // Why: the embedded store (audit log, …) defaults to ./.nexus in the working directory; a run
  // of the bench must neither fill a developer's store nor read state left in it.
  const dataDir = await Deno.makeTempDir({ prefix: "nexus-bench-data-" });
  const removeData = () => Deno.remove(dataDir, { recursive: true }).catch(() => {});
  let started;
  try {
    started = await spawnDeno({
      args: [
        "run",
        ...SERVER_FLAGS,
        ...(options.extraFlags ?? []),
        "--config",
        options.repo === undefined ? CONFIG : `${options.repo}/deno.json`,
        options.repo === undefined ? scriptPath("main.ts") : `${options.repo}/main.ts`,
        "serve",
      ],
      env: {
        NEXUS_PORT: "0",
        NEXUS_HOST: "127.0.0.1",
        NEXUS_LOG_LEVEL: "info",
        NEXUS_TOOLS_DIR: options.toolsDir,
        NEXUS_DATA_DIR: dataDir,
        // Why no settle: no balancer fronts the bench, and a profiled run must exit promptly on
        // SIGTERM to write its .cpuprofile.
        NEXUS_DRAIN_SETTLE_MS: "0",
        ...options.env,
      },
      readyOn: "stderr",
      readUrl: (record) =>
        record.msg === "Nexus listening" ? stringField(record, "url") : undefined,
      ...(options.wrapper === undefined ? {} : { wrapper: options.wrapper, timeoutMs: 300_000 }),
    });
  } catch (error) {
    await removeData();
    throw error;
  }
  const { process, url } = started;
  const stop = () => process.stop().finally(removeData);
  return { url, process: { ...process, stop } };
}

/** Writes a tools dir with one YAML file defining `get_item` against `backendUrl`. */
export async function writeToolsDir(backendUrl: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "nexus-bench-tools-" });
  const yaml = `tools:
  - name: get_item
    description: Fetch one catalogue item by id.
    input:
      type: object
      properties:
        id: { type: string }
      required: [id]
    http:
      method: GET
      url: ${backendUrl}/items/{id}
`;
  await Deno.writeTextFile(`${dir}/get_item.yaml`, yaml);
  return dir;
}

/**
 * The gateway revision under test: the commit, and whether `lib/` or `main.ts` differ from it
 * (the measured code is the working tree, not the commit).
 */
export async function describeRevision(): Promise<string> {
  const git = (args: string[]) =>
    new Deno.Command("git", {
      args: ["-C", new URL(".", REPO).pathname, ...args],
      stdout: "piped",
      stderr: "null",
    }).output();
  try {
    const head = await git(["rev-parse", "--short", "HEAD"]);
    if (!head.success) return "unknown (not a git checkout)";
    const status = await git(["status", "--porcelain", "--", "lib", "main.ts"]);
    const dirty = new TextDecoder().decode(status.stdout).trim() !== "";
    const commit = new TextDecoder().decode(head.stdout).trim();
    return dirty ? `${commit} with uncommitted changes in lib/ or main.ts` : commit;
  } catch {
    return "unknown (git not available)";
  }
}

function scriptPath(relative: string): string {
  return new URL(relative, REPO).pathname;
}

function stringField(record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key];
  return typeof value === "string" ? value : undefined;
}
