/** The host's process table from /proc, for tests that check no child process outlives its owner. */

/**
 * Pid, parent pid, process group and command line of every process. Why through `sh`: Deno asks for
 * --allow-all to read /proc, and the test task grants only --allow-run and friends.
 */
export async function processTable(): Promise<
  Array<{ pid: number; ppid: number; pgid: number; cmdline: string }>
> {
  const script = 'for d in /proc/[0-9]*; do s=$(cat "$d/stat" 2>/dev/null) || continue; ' +
    'c=$(tr "\\0" " " < "$d/cmdline" 2>/dev/null); printf "%s\\t%s\\n" "$s" "$c"; done';
  const { stdout } = await new Deno.Command("sh", {
    args: ["-c", script],
    stdout: "piped",
    stderr: "null",
  }).output();
  return new TextDecoder().decode(stdout).split("\n").filter(Boolean).map((line) => {
    const [stat = "", cmdline = ""] = line.split("\t");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return {
      pid: Number.parseInt(stat),
      ppid: Number(fields[1]),
      pgid: Number(fields[2]),
      cmdline,
    };
  });
}

/** Polls `check` until it finds no pid or `timeoutMs` passed; returns the pids left. */
export async function waitGone(
  check: () => Promise<number[]>,
  timeoutMs = 5_000,
): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = await check();
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
