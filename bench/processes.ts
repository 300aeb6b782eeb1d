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
  /** A program that runs Deno, and its arguments before Deno's path (e.g. `valgrind …`). */
  wrapper?: string[];
}

const TAIL = 20;

/** Starts `deno <args>` and resolves once it printed its URL. */
export async function spawnDeno(
  options: SpawnOptions,
): Promise<{ process: Subprocess; url: string }> {
  let resolveUrl: (url: string) => void = () => {};
  const urlPromise = new Promise<string>((resolve) => resolveUrl = resolve);
  let ready = false;
  const [command, ...prefix] = options.wrapper ?? [Deno.execPath()];
  const args = options.wrapper === undefined ? options.args : [...prefix, Deno.execPath()];
  if (options.wrapper !== undefined) args.push(...options.args);
  const started = startChild(command!, args, options.env, (line, stream) => {
    if (ready || stream !== options.readyOn) return false;
    const url = parseUrl(line, options.readUrl);
    if (url === undefined) return false;
    ready = true;
    resolveUrl(url);
    return true;
  });
  const url = await raceReady(urlPromise, started.process.child, {
    timeoutMs: options.timeoutMs ?? 30_000,
    tail: started.tail,
  });
  return { process: started.process, url };
}

/** What to start for {@link spawnListening}: any program that listens on a known URL. */
export interface ListeningOptions {
  command: string;
  args: string[];
  env?: Record<string, string>;
  /** Polled until it answers anything over HTTP. */
  url: string;
  timeoutMs?: number;
}

/**
 * Starts `command` and resolves once `url` answers over HTTP (any status): for programs that
 * print no machine-readable ready line. Its CPU is counted with all its descendants.
 */
export async function spawnListening(options: ListeningOptions): Promise<Subprocess> {
  const started = startChild(options.command, options.args, options.env, () => true);
  const child = started.process.child;
  const polled = (async () => {
    for (;;) {
      try {
        const response = await fetch(options.url, { method: "GET" });
        await response.body?.cancel();
        return options.url;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  })();
  await raceReady(polled, child, { timeoutMs: options.timeoutMs ?? 30_000, tail: started.tail });
  return { ...started.process, cpuMs: () => processTreeCpuMs(child.pid) };
}

/**
 * Spawns `command`, drains both streams line by line (stderr lines after the ready line are
 * counted) and builds its {@link Subprocess}; `isReadyLine` is asked about each line until it
 * answers true.
 */
function startChild(
  command: string,
  args: string[],
  env: Record<string, string> | undefined,
  isReadyLine: (line: string, stream: "stdout" | "stderr") => boolean,
): { process: Subprocess; tail: string[] } {
  const child = new Deno.Command(command, {
    args,
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const tail: string[] = [];
  const counter = { lines: 0, ready: false };
  function onLine(line: string, stream: "stdout" | "stderr"): void {
    if (stream === "stderr") {
      tail.push(line);
      if (tail.length > TAIL) tail.shift();
      if (counter.ready) counter.lines++;
    }
    if (!counter.ready && isReadyLine(line, stream)) counter.ready = true;
  }
  drainLines(child.stdout, (line) => onLine(line, "stdout"));
  drainLines(child.stderr, (line) => onLine(line, "stderr"));
  const process: Subprocess = {
    child,
    stderrLines: () => counter.lines,
    stderrTail: () => [...tail],
    cpuMs: () => processCpuMs(child.pid),
    stop: () => stopTree(child),
  };
  return { process, tail };
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

/**
 * CPU time of a process and all its descendants (a gateway and the stdio children it spawned),
 * read like {@link processCpuMs}. Children that exited and were reaped are counted in their
 * parent's `cutime`/`cstime`; those are added too.
 */
export async function processTreeCpuMs(pid: number): Promise<number> {
  const pids = await descendants(pid);
  const { stdout } = await new Deno.Command("cat", {
    args: [pid, ...pids].map((each) => `/proc/${each}/stat`),
    stdout: "piped",
    stderr: "null",
  }).output();
  let ticks = 0;
  for (const text of new TextDecoder().decode(stdout).split("\n")) {
    if (text === "") continue;
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    // Why: utime, stime, cutime, cstime (fields 14-17 of proc(5)).
    ticks += [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
  }
  return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** Every process below `pid`, from one `ps` listing. */
export async function descendants(pid: number): Promise<number[]> {
  const { stdout, success } = await new Deno.Command("ps", {
    args: ["-e", "-o", "pid=,ppid="],
    stdout: "piped",
    stderr: "null",
  }).output();
  if (!success) return [];
  const children = new Map<number, number[]>();
  for (const line of new TextDecoder().decode(stdout).split("\n")) {
    const [child, parent] = line.trim().split(/\s+/).map(Number);
    if (child === undefined || parent === undefined || !Number.isFinite(parent)) continue;
    children.set(parent, [...(children.get(parent) ?? []), child]);
  }
  const found: number[] = [];
  const queue = [...(children.get(pid) ?? [])];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    found.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  return found;
}

/**
 * Stops a process like {@link stopProcess}, then SIGKILLs any of its descendants still alive
 * (stdio children of a gateway that did not reap them), so a run leaves no process behind.
 */
export async function stopTree(child: Deno.ChildProcess): Promise<Deno.CommandStatus> {
  const below = await descendants(child.pid);
  const status = await stopProcess(child);
  for (const pid of below) {
    try {
      Deno.kill(pid, "SIGKILL");
    } catch {
      // Why: it already exited with its parent, which is what should happen.
    }
  }
  return status;
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
  { timeoutMs, tail }: { timeoutMs: number; tail: string[] },
): Promise<string> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const failed = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not ready after ${timeoutMs} ms`)), timeoutMs);
    child.status.then((status) => reject(new Error(`exited with code ${status.code}`)));
  });
  try {
    return await Promise.race([urlPromise, failed]);
  } catch (error) {
    await stopTree(child).catch(() => undefined);
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
