/**
 * A child process in its own process group (and session), so the whole tree it starts can be
 * signalled at once, and a last-chance reaper for groups still alive when the gateway exits.
 */

import { type ChildProcess, spawn } from "node:child_process";

/** How a child ended: its exit code, or the signal that ended it. */
export interface ChildExit {
  code: number | null;
  signal: string | null;
}

/** A spawned group leader with piped stdio. */
export interface GroupChild {
  pid: number;
  process: ChildProcess;
  /** Resolves once the leader has exited and been reaped (never rejects). */
  exited: Promise<ChildExit>;
  /** Set when spawning failed (for example the command does not exist). */
  spawnError(): Error | undefined;
}

// Why module state: the unload hook is process-wide by nature (one per gateway process); it only
// ever holds the groups of children this module started and not yet reaped (pid → leader).
const liveGroups = new Map<number, ChildProcess>();
let hookInstalled = false;

/**
 * Spawns `command` as the leader of a new session and process group with exactly `env`.
 *
 * Why node:child_process: `detached: true` is its documented way to call setsid() in the child
 * before exec; `Deno.Command` has no process-group option, and util-linux `setsid` is missing from
 * distroless images.
 */
export function spawnGroup(
  command: string,
  options: { args: string[]; env: Record<string, string>; cwd?: string },
): GroupChild {
  installExitHook();
  const child = spawn(command, options.args, {
    detached: true,
    env: options.env,
    cwd: options.cwd,
    stdio: ["pipe", "pipe", "pipe"],
  });
  let error: Error | undefined;
  const exited = new Promise<ChildExit>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
    child.once("error", (cause) => {
      error = cause;
      if (child.pid === undefined) resolve({ code: null, signal: null });
    });
  });
  const pid = child.pid ?? -1;
  if (pid > 0) {
    liveGroups.set(pid, child);
    // Why not on exit: the group outlives its leader while grandchildren live; the supervisor
    // forgets it after the SIGKILL that follows every leader exit.
  }
  return { pid, process: child, exited, spawnError: () => error };
}

/**
 * Sends `signal` to every process of the group led by `pid`; a group already gone is ignored.
 * Under a scoped `--allow-run=cmd` (the compiled binary's grant) Deno refuses `Deno.kill` for
 * every pid, so the leader alone is signalled through its own handle and its stdin is closed:
 * grandchildren that read the same pipe see EOF, which MCP stdio servers exit on (README
 * "Sandbox and egress" says what this leaves running).
 */
export function signalGroup(pid: number, signal: "SIGTERM" | "SIGKILL"): void {
  if (pid <= 0) return;
  try {
    Deno.kill(-pid, signal);
  } catch (error) {
    // Why: ESRCH (group already empty) is the expected outcome after a clean exit.
    if (error instanceof Deno.errors.NotCapable) signalLeader(liveGroups.get(pid), signal);
  }
}

function signalLeader(leader: ChildProcess | undefined, signal: "SIGTERM" | "SIGKILL"): void {
  if (leader === undefined) return;
  try {
    leader.stdin?.end();
    if (leader.exitCode === null && leader.signalCode === null) leader.kill(signal);
  } catch {
    // Why: a leader that is already gone needs nothing.
  }
}

/**
 * Stops a group: SIGTERM to all of it, then SIGKILL to all of it once the leader has exited or
 * `graceMs` passed, whichever comes first, and waits for the leader to be reaped.
 *
 * Why SIGKILL even after a clean leader exit: grandchildren (npx → node) that ignore SIGTERM or
 * were never told would otherwise outlive the leader as orphans.
 */
export async function stopGroup(child: GroupChild, graceMs: number): Promise<ChildExit> {
  signalGroup(child.pid, "SIGTERM");
  let timer: ReturnType<typeof setTimeout> | undefined;
  const grace = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, graceMs);
  });
  await Promise.race([child.exited, grace]);
  clearTimeout(timer);
  signalGroup(child.pid, "SIGKILL");
  const exit = await child.exited;
  forgetGroup(child.pid);
  return exit;
}

/** Drops a group from the exit hook once it has been killed for good. */
export function forgetGroup(pid: number): void {
  liveGroups.delete(pid);
}

/** The groups the exit hook would kill now (for tests and diagnostics). */
export function liveGroupCount(): number {
  return liveGroups.size;
}

function installExitHook(): void {
  if (hookInstalled) return;
  hookInstalled = true;
  // Why unload only: SIGINT/SIGTERM belong to the CLI's graceful shutdown, which closes every
  // upstream with a grace period; unload catches Deno.exit() and a normal end. A SIGKILL of the
  // gateway runs no hook at all: children then see EOF on stdin (see README.md "Limits").
  globalThis.addEventListener("unload", () => {
    for (const pid of liveGroups.keys()) signalGroup(pid, "SIGKILL");
    liveGroups.clear();
  });
}
