/**
 * The memory section's load: many concurrent MCP clients, each with its own bearer token (so
 * each is its own client for admission), calling a slow tool that answers about 200 bytes; a
 * `/healthz` prober; idle keep-alive connections; and the gateway's tools for it. Shared by
 * `deno task bench --only memory` (bench/memory.ts) and tests/e2e/memory_cap_test.ts.
 */

/** What the clients got. */
export interface ClientsResult {
  /** Calls answered with a tool result. */
  results: number;
  /** Calls answered 503 with JSON-RPC `OVERLOADED` (-32014). */
  overloaded: number;
  /** Anything else: another status or error, a reset, a refused connection (first few kept). */
  failures: number;
  failureSamples: string[];
}

/** Options of {@linkcode runClients}. */
export interface ClientsOptions {
  clients: number;
  /** Clients start no new call after this long. */
  durationMs: number;
  /** How long the backend holds each call. */
  callMs: number;
  /**
   * Clients start evenly over this long (default 0: at once). Why: 10,000 connections opened at
   * once on shared cores leave some requests unhandled past NEXUS_HEADER_TIMEOUT_MS.
   */
  rampMs?: number;
  /** Called once every client has sent its first call (whatever the answer). */
  onAllStarted?: () => void;
  /** The clients' protocol era (default 2026-07-28). */
  era?: CallEra;
}

/**
 * A client's protocol era: `2026-07-28` (the per-request envelope and headers, answered as JSON)
 * or `2025-11-25` (a stateless 2025 client of the default connect: no envelope, answered as SSE).
 */
export type CallEra = "2026-07-28" | "2025-11-25";

const ERA: CallEra = "2026-07-28";
const OVERLOADED = -32014;

/** The tools the memory load calls: `slow_item` (HTTP, ~200 bytes) and `heap_used` (TS). */
export async function writeMemoryTools(backendUrl: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "nexus-bench-memory-tools-" });
  await Deno.writeTextFile(
    `${dir}/slow.yaml`,
    `tools:
  - name: slow_item
    description: Fetch one small item slowly.
    input:
      type: object
      properties:
        id: { type: string }
        ms: { type: string }
      required: [id, ms]
    http:
      method: GET
      url: ${backendUrl}/slow/{ms}/{id}
      timeout: 120s
`,
  );
  await Deno.writeTextFile(`${dir}/heap.ts`, HEAP_TOOL);
  return dir;
}

// Why a tool: it runs in the gateway's own isolate, so it reads the heap the calls hold, and it
// exists only in the bench's tools dir (no debug route in the gateway).
const HEAP_TOOL = `import { defineTool, z } from "nexus/tool";
import { writeHeapSnapshot } from "node:v8";

/** Live heap after a full GC (the gateway runs with --expose-gc in the memory bench). */
export const heapUsed = defineTool({
  name: "heap_used",
  description: "Bench only: the gateway's live heap after a full garbage collection.",
  input: z.object({ snapshot: z.string().optional() }),
  handler({ snapshot }) {
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    gc?.();
    // Why: bench/heap_snapshot.ts diffs two snapshots to see what each held call keeps.
    if (snapshot) writeHeapSnapshot(snapshot);
    const text = JSON.stringify({ heapUsed: Deno.memoryUsage().heapUsed, gc: gc !== undefined });
    return { content: [{ type: "text", text }] };
  },
});
`;

/** One stateless `tools/call` POST of `call.era` (default 2026-07-28). */
export function callRequest(
  mcpUrl: string,
  call: {
    id: number;
    name: string;
    arguments: Record<string, unknown>;
    token: string;
    era?: CallEra;
  },
  signal?: AbortSignal,
): Promise<Response> {
  if (call.era === "2025-11-25") return legacyCallRequest(mcpUrl, call, signal);
  const body = {
    jsonrpc: "2.0",
    id: call.id,
    method: "tools/call",
    params: {
      name: call.name,
      arguments: call.arguments,
      _meta: {
        "io.modelcontextprotocol/protocolVersion": ERA,
        "io.modelcontextprotocol/clientInfo": { name: "nexus-bench-memory", version: "1.0.0" },
        "io.modelcontextprotocol/clientCapabilities": {},
      },
    },
  };
  return fetch(mcpUrl, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "accept": "application/json, text/event-stream",
      "mcp-protocol-version": ERA,
      "mcp-method": "tools/call",
      "mcp-name": call.name,
      "authorization": `Bearer ${call.token}`,
    },
    body: JSON.stringify(body),
    ...(signal === undefined ? {} : { signal }),
  });
}

/** The POST a 2025-era client sends without a session: no envelope, no method headers. */
function legacyCallRequest(
  mcpUrl: string,
  call: { id: number; name: string; arguments: Record<string, unknown>; token: string },
  signal?: AbortSignal,
): Promise<Response> {
  const params = { name: call.name, arguments: call.arguments };
  return fetch(mcpUrl, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "accept": "application/json, text/event-stream",
      "mcp-protocol-version": "2025-11-25",
      "authorization": `Bearer ${call.token}`,
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: call.id, method: "tools/call", params }),
    ...(signal === undefined ? {} : { signal }),
  });
}

/** The text of a tool result (a JSON answer or an SSE event), or undefined for anything else. */
export async function resultTextOf(response: Response): Promise<string | undefined> {
  const text = await response.text();
  if (response.status !== 200) return undefined;
  const match = /"text":"((?:[^"\\]|\\.)*)"/.exec(text);
  return match === null || text.includes('"isError":true') ? undefined : match[1];
}

/**
 * `clients` concurrent clients, each calling `slow_item` in a loop until `durationMs` passed;
 * after a 503 a client waits its `Retry-After` (as a well-behaved client does) before the next.
 */
export async function runClients(mcpUrl: string, options: ClientsOptions): Promise<ClientsResult> {
  const result: ClientsResult = { results: 0, overloaded: 0, failures: 0, failureSamples: [] };
  const deadline = Date.now() + options.durationMs;
  let started = 0;
  const fail = (what: string) => {
    result.failures++;
    if (result.failureSamples.length < 5) result.failureSamples.push(what);
  };
  async function client(index: number): Promise<void> {
    const delay = ((options.rampMs ?? 0) * index) / options.clients;
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    let first = true;
    for (let call = 0; Date.now() < deadline; call++) {
      const answer = callRequest(mcpUrl, {
        id: call + 1,
        name: "slow_item",
        arguments: { id: `c${index}-${call}`, ms: String(options.callMs) },
        token: `bench-client-${index}`,
        ...(options.era === undefined ? {} : { era: options.era }),
      });
      if (first && ++started === options.clients) options.onAllStarted?.();
      first = false;
      const waitMs = await judge(answer, result, fail);
      if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }
  await Promise.all(Array.from({ length: options.clients }, (_, index) => client(index)));
  return result;
}

/** Counts one answer; returns how long the client should wait before its next call. */
async function judge(
  answer: Promise<Response>,
  result: ClientsResult,
  fail: (what: string) => void,
): Promise<number> {
  let response: Response;
  try {
    response = await answer;
  } catch (error) {
    const cause = (error as Error).cause as Error | undefined;
    fail(`no answer: ${(error as Error).message}${cause ? ` (${cause.message})` : ""}`);
    return 1_000;
  }
  try {
    if (response.status === 503) {
      const body = await response.json();
      if (body?.error?.code !== OVERLOADED) fail(`503 without OVERLOADED: ${JSON.stringify(body)}`);
      else result.overloaded++;
      return Number(response.headers.get("retry-after") ?? "1") * 1_000;
    }
    const text = await resultTextOf(response);
    if (text === undefined) fail(`status ${response.status} without a result`);
    else result.results++;
    return 0;
  } catch (error) {
    fail(`body cut: ${(error as Error).message}`);
    return 1_000;
  }
}

/** What the `/healthz` prober saw. */
export interface HealthResult {
  ok: number;
  failed: number;
  slowestMs: number;
}

/**
 * Probes `/healthz` every `everyMs` until `signal` aborts; each probe must answer in 5 s. Why
 * curl: a probe from this process would wait behind the load generator's own event loop; curl's
 * own timer measures the gateway alone.
 */
export async function probeHealth(
  baseUrl: string,
  signal: AbortSignal,
  everyMs = 250,
): Promise<HealthResult> {
  const health: HealthResult = { ok: 0, failed: 0, slowestMs: 0 };
  while (!signal.aborted) {
    const output = await new Deno.Command("curl", {
      args: [
        "-s",
        "-o",
        "/dev/null",
        "--max-time",
        "5",
        "-w",
        "%{http_code} %{time_total}",
        `${baseUrl}/healthz`,
      ],
      stdout: "piped",
      stderr: "null",
    }).output();
    const [code, seconds] = new TextDecoder().decode(output.stdout).trim().split(" ");
    if (code === "200") health.ok++;
    else health.failed++;
    health.slowestMs = Math.max(health.slowestMs, Number(seconds ?? 0) * 1_000);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  return health;
}

/**
 * Opens `count` TCP connections to `baseUrl`, sends one keep-alive `GET /healthz` on each and
 * keeps them open (idle); returns how many got their answer and a close function.
 */
export async function holdIdleConnections(
  baseUrl: string,
  count: number,
): Promise<{ answered: number; close: () => void }> {
  const url = new URL(baseUrl);
  const request = new TextEncoder().encode(
    `GET /healthz HTTP/1.1\r\nHost: ${url.host}\r\nConnection: keep-alive\r\n\r\n`,
  );
  const connections: Deno.Conn[] = [];
  let answered = 0;
  const batch = 500;
  for (let from = 0; from < count; from += batch) {
    const opened = await Promise.all(
      Array.from({ length: Math.min(batch, count - from) }, async () => {
        const conn = await Deno.connect({ hostname: url.hostname, port: Number(url.port) });
        connections.push(conn);
        await conn.write(request);
        const buffer = new Uint8Array(1024);
        const read = await conn.read(buffer);
        return read !== null &&
          new TextDecoder().decode(buffer.subarray(0, read)).includes(" 200 ");
      }),
    );
    answered += opened.filter(Boolean).length;
  }
  return {
    answered,
    close: () => {
      for (const conn of connections) {
        try {
          conn.close();
        } catch {
          // Why: the gateway may have closed it (idle timeout); nothing left to close.
        }
      }
    },
  };
}

/** Current (VmRSS) and peak (VmHWM) resident memory of `pid`, in MB, from /proc. */
export async function rssMb(pid: number): Promise<{ current: number; peak: number }> {
  const { stdout, success } = await new Deno.Command("cat", {
    args: [`/proc/${pid}/status`],
    stdout: "piped",
    stderr: "null",
  }).output();
  if (!success) return { current: Number.NaN, peak: Number.NaN };
  const text = new TextDecoder().decode(stdout);
  const field = (name: string) =>
    Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(text)?.[1]) / 1024;
  return { current: field("VmRSS"), peak: field("VmHWM") };
}

/** `/readyz`'s `load` (admission counts). */
export async function loadOf(baseUrl: string): Promise<Record<string, number>> {
  const response = await fetch(`${baseUrl}/readyz`);
  return (await response.json()).load ?? {};
}
