/**
 * The processes a conformance run starts: the gateway (`main.ts serve`, with a tools dir of the
 * run's choosing) and the conformance fixture over HTTP
 * (`tests/_support/conformance_fixture_serve.ts`). Each is started on port 0 and resolves once it
 * has said where it listens; `stop()` sends SIGTERM, then SIGKILL after a grace period.
 */

import { fileURLToPath } from "node:url";

/** The repository root. */
export const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** The fixture's entry, for HTTP (`--port`) and stdio (`--stdio`). */
export const FIXTURE_ENTRY = `${ROOT}tests/_support/conformance_fixture_serve.ts`;
/** What the fixture needs: loopback only, and nothing for stdio. */
export const FIXTURE_FLAGS = ["--quiet", "--no-prompt", "--allow-net=127.0.0.1"];
/** `deno task start`'s permissions. */
const GATEWAY_FLAGS = ("--unstable-no-legacy-abort --allow-net --allow-read --allow-write " +
  "--allow-env --allow-sys --allow-run").split(" ");
const STARTUP_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;
const TAIL_LINES = 30;
/** What `withTimeout` resolves with when the time ran out. */
export const TIMEOUT = Symbol("timeout");

/** A started process that listens somewhere. */
export interface Service {
  /** Its MCP endpoint. */
  url: string;
  hasExited(): boolean;
  /** The last lines of its stderr. */
  stderrTail(): string[];
  stop(): Promise<void>;
}

/** Starts `main.ts serve` on a free port with `env` (over NEXUS_* defaults for this run). */
export async function startGateway(env: Record<string, string>): Promise<Service> {
  const args = ["run", ...GATEWAY_FLAGS, "main.ts", "serve"];
  return await startService(args, {
    // Why no settle: nothing balances these gateways, so stopping one need not wait for a balancer.
    env: {
      NEXUS_PORT: "0",
      NEXUS_HOST: "127.0.0.1",
      NEXUS_DRAIN_SETTLE_MS: "0",
      NO_COLOR: "1",
      ...env,
    },
    what: "the gateway",
    fromStdout: false,
    listening: gatewayUrl,
  });
}

/** Starts the conformance fixture over HTTP on a free port. */
export async function startFixture(): Promise<Service> {
  return await startService(["run", ...FIXTURE_FLAGS, FIXTURE_ENTRY], {
    env: { NO_COLOR: "1" },
    what: "the conformance fixture",
    fromStdout: true,
    listening: (line) => /^http:\/\/\S+$/.test(line.trim()) ? line.trim() : undefined,
  });
}

interface StartOptions {
  env: Record<string, string>;
  what: string;
  /** Whether the listening line is on stdout (else stderr). */
  fromStdout: boolean;
  listening: (line: string) => string | undefined;
}

async function startService(args: string[], options: StartOptions): Promise<Service> {
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    env: options.env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let exited = false;
  const status = child.status.finally(() => {
    exited = true;
  });
  const tail: string[] = [];
  const { promise: listening, resolve } = Promise.withResolvers<string | undefined>();
  const watch = (fromStdout: boolean) => (line: string) => {
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
    const url = fromStdout === options.fromStdout ? options.listening(line) : undefined;
    if (url !== undefined) resolve(url);
  };
  const drained = Promise.all([
    readLines(child.stdout, watch(true)).catch(() => {}),
    readLines(child.stderr, watch(false)).catch(() => {}),
  ]).finally(() => resolve(undefined));
  const stop = () => stopChild(child, Promise.all([status, drained]));
  const url = await withTimeout(listening, STARTUP_TIMEOUT_MS);
  if (typeof url === "string") {
    return { url, hasExited: () => exited, stderrTail: () => [...tail], stop };
  }
  await stop();
  const why = url === TIMEOUT
    ? `it did not say where it listens within ${STARTUP_TIMEOUT_MS / 1000} s`
    : "it exited before listening";
  throw new Error(`Cannot start ${options.what}: ${why}\n${tail.join("\n")}`);
}

/** Calls `onLine` for every line of the stream. */
export async function readLines(
  stream: ReadableStream<Uint8Array>,
  onLine: (line: string) => void,
): Promise<void> {
  let buffer = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    const lines = (buffer + chunk).split("\n");
    buffer = lines.pop() ?? "";
    lines.forEach(onLine);
  }
  if (buffer !== "") onLine(buffer);
}

function gatewayUrl(line: string): string | undefined {
  try {
    const entry: unknown = JSON.parse(line);
    if (typeof entry !== "object" || entry === null) return undefined;
    const { msg, url } = entry as Record<string, unknown>;
    return msg === "Nexus listening" && typeof url === "string" ? url : undefined;
  } catch {
    return undefined;
  }
}

/** SIGTERM (both shut down gracefully), SIGKILL after a grace period; waits for exit. */
async function stopChild(child: Deno.ChildProcess, done: Promise<unknown>): Promise<void> {
  signal(child, "SIGTERM");
  if (await withTimeout(done, STOP_GRACE_MS) !== TIMEOUT) return;
  signal(child, "SIGKILL");
  await done;
}

function signal(child: Deno.ChildProcess, name: Deno.Signal): void {
  try {
    child.kill(name);
  } catch {
    // Already exited.
  }
}

/** Resolves with the promise's value, or `TIMEOUT` after `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMEOUT> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<typeof TIMEOUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMEOUT), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `tasks` with at most `limit` in flight, keeping their order in the result. */
export async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!);
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
