/**
 * Subprocesses of the benchmark: start a Deno script, wait for the JSON line that tells where it
 * listens, keep draining its output, and stop it with SIGTERM (SIGKILL after a grace period).
 */

/** A running subprocess and the lines it wrote to stderr. */
export interface Subprocess {
  child: Deno.ChildProcess;
  /** Number of lines written to stderr so far (after the ready line). */
  stderrLines(): number;
  /** The last stderr lines kept for error reports. */
  stderrTail(): string[];
  /** CPU time (user + system, all threads) the process has used so far, in ms. */
  cpuMs(): Promise<number>;
  stop(): Promise<Deno.CommandStatus>;
}

/** What to start and how to recognise that it is ready. */
export interface SpawnOptions {
  args: string[];
  env?: Record<string, string>;
  /** Which stream carries the ready line. */
  readyOn: "stdout" | "stderr";
  /** Picks the listen URL out of one parsed JSON line; undefined to keep waiting. */
  readUrl: (record: Record<string, unknown>) => string | undefined;
  timeoutMs?: number;
}

const TAIL = 20;

/** Starts `deno <args>` and resolves once it printed its URL. */
export async function spawnDeno(
  options: SpawnOptions,
): Promise<{ process: Subprocess; url: string }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: options.args,
    env: { NO_COLOR: "1", ...options.env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const tail: string[] = [];
  const counter = { lines: 0, ready: false };
  let resolveUrl: (url: string) => void = () => {};
  const urlPromise = new Promise<string>((resolve) => resolveUrl = resolve);
  function onLine(line: string, stream: "stdout" | "stderr"): void {
    if (stream === "stderr") {
      tail.push(line);
      if (tail.length > TAIL) tail.shift();
      if (counter.ready) counter.lines++;
    }
    if (counter.ready || stream !== options.readyOn) return;
    const url = parseUrl(line, options.readUrl);
    if (url === undefined) return;
    counter.ready = true;
    resolveUrl(url);
  }
  drainLines(child.stdout, (line) => onLine(line, "stdout"));
  drainLines(child.stderr, (line) => onLine(line, "stderr"));
  const process: Subprocess = {
    child,
    stderrLines: () => counter.lines,
    stderrTail: () => [...tail],
    cpuMs: () => processCpuMs(child.pid),
    stop: () => stopProcess(child),
  };
  const url = await raceReady(urlPromise, child, options.timeoutMs ?? 30_000, tail);
  return { process, url };
}

/** Sends SIGTERM, then SIGKILL when the process has not exited within 5 s. */
export async function stopProcess(child: Deno.ChildProcess): Promise<Deno.CommandStatus> {
  try {
    child.kill("SIGTERM");
  } catch {
    return await child.status;
  }
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch {
      // Why: it exited between the timer firing and the kill; nothing left to stop.
    }
  }, 5_000);
  try {
    return await child.status;
  } finally {
    clearTimeout(timer);
  }
}

/** Peak RSS of a process in MB, read through `grep` (Deno needs --allow-all to read /proc). */
export async function peakRssMb(pid: number): Promise<number> {
  const { stdout, success } = await new Deno.Command("grep", {
    args: ["VmHWM", `/proc/${pid}/status`],
    stdout: "piped",
    stderr: "null",
  }).output();
  if (!success) return Number.NaN;
  return Number(/VmHWM:\s+(\d+) kB/.exec(new TextDecoder().decode(stdout))?.[1]) / 1000;
}

/** Clock ticks per second of `/proc/<pid>/stat` times (`getconf CLK_TCK`, 100 on Linux). */
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * CPU time of a process from `/proc/<pid>/stat` (utime + stime, all threads), read with `cat`
 * because Deno needs --allow-all to read /proc itself.
 */
export async function processCpuMs(pid: number): Promise<number> {
  const { stdout, success } = await new Deno.Command("cat", {
    args: [`/proc/${pid}/stat`],
    stdout: "piped",
    stderr: "null",
  }).output();
  if (!success) return Number.NaN;
  const text = new TextDecoder().decode(stdout);
  // Why: the command name in parentheses may contain spaces; fields are counted after it.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** CPU time the whole machine has spent busy (all cores, all processes), in ms. */
export async function machineBusyMs(): Promise<number> {
  const { stdout, success } = await new Deno.Command("cat", {
    args: ["/proc/stat"],
    stdout: "piped",
    stderr: "null",
  }).output();
  if (!success) return Number.NaN;
  const line = new TextDecoder().decode(stdout).split("\n")[0] ?? "";
  // Why: `cpu user nice system idle iowait irq softirq steal …`; idle and iowait are not busy.
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const busy = ticks.reduce((sum, value, i) => i === 3 || i === 4 ? sum : sum + value, 0);
  return (busy * 1000) / CLOCK_TICKS_PER_SECOND;
}

/**
 * Runs `body` and tells how many cores other processes kept busy meanwhile, on average: machine
 * busy time minus `ours` (the CPU of the benchmark's own processes). Kernel network work done for
 * our sockets is not always charged to our processes, so an idle machine reads slightly above 0.
 */
export async function withForeignCpu<T>(
  ours: () => Promise<number>,
  body: () => Promise<T>,
): Promise<{ value: T; foreignCores: number }> {
  const [machine, own, started] = [await machineBusyMs(), await ours(), performance.now()];
  const value = await body();
  const elapsed = performance.now() - started;
  const foreign = (await machineBusyMs() - machine) - (await ours() - own);
  return { value, foreignCores: foreign / elapsed };
}

function parseUrl(
  line: string,
  readUrl: (record: Record<string, unknown>) => string | undefined,
): string | undefined {
  if (!line.startsWith("{")) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
    return readUrl(value as Record<string, unknown>);
  } catch {
    return undefined;
  }
}

async function raceReady(
  urlPromise: Promise<string>,
  child: Deno.ChildProcess,
  timeoutMs: number,
  tail: string[],
): Promise<string> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const failed = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not ready after ${timeoutMs} ms`)), timeoutMs);
    child.status.then((status) => reject(new Error(`exited with code ${status.code}`)));
  });
  try {
    return await Promise.race([urlPromise, failed]);
  } catch (error) {
    await stopProcess(child).catch(() => undefined);
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Cannot start subprocess: ${reason}\n${tail.join("\n")}`);
  } finally {
    clearTimeout(timer);
  }
}

function drainLines(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void): void {
  (async () => {
    let buffered = "";
    for await (const text of stream.pipeThrough(new TextDecoderStream())) {
      buffered += text;
      let newline = buffered.indexOf("\n");
      while (newline >= 0) {
        onLine(buffered.slice(0, newline));
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf("\n");
      }
    }
    if (buffered !== "") onLine(buffered);
  })().catch(() => {});
}
