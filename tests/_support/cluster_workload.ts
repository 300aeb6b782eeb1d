/**
 * A mixed MCP workload through one URL (nginx): real SDK v2 clients of both eras, each in a
 * closed loop of `tools/list`, a fast tool call and a slow tool call (tools of
 * `cluster_nginx.ts`'s SLOW_TOOL). Every POST carries an `x-call-id` header naming the operation,
 * so nginx's access log says which instance served (or failed) each one.
 */

import type { Client } from "@modelcontextprotocol/client";
import { connect, type Era, ERAS } from "./gateway.ts";

/** One operation as the client saw it. */
export interface WorkloadCall {
  callId: string;
  era: Era;
  op: "list" | "fast" | "slow";
  /** Epoch ms, as `Date.now()` (nginx's log uses the same clock). */
  startMs: number;
  endMs: number;
  /** Undefined when the operation succeeded with the expected answer. */
  error?: string;
}

/** A running workload. */
export interface Workload {
  /** Operations finished so far. */
  finished(): readonly WorkloadCall[];
  /** Stops starting operations, waits for those running, closes the clients; idempotent. */
  stop(): Promise<WorkloadCall[]>;
}

/** Options of {@linkcode startWorkload}. */
export interface WorkloadOptions {
  /** Clients, alternating 2025-11-25 and 2026-07-28 (default 8). */
  clients?: number;
  /** How long a slow call sleeps, ms. */
  slowMs: number;
  /** A tag in every call id, so two workloads' records differ. */
  label: string;
  /** The clients' bearer token. */
  token: string;
}

/**
 * The clients' request timeout (the SDK's default is 60 s). Why set: SDK 2.4.0 neither rejects
 * nor resumes a request whose SSE response stream broke before the answer (no event ids), so a
 * 2025 call cut by an instance's death is reported only at this timeout.
 */
export const REQUEST_TIMEOUT_MS = 8_000;
/** An operation that has not settled within this is reported as hung (a failure). */
const HANG_MS = REQUEST_TIMEOUT_MS + 12_000;

/** Connects the clients through `mcpUrl` and starts their loops. */
export async function startWorkload(mcpUrl: string, options: WorkloadOptions): Promise<Workload> {
  const calls: WorkloadCall[] = [];
  let stopping = false;
  const clients = await Promise.all(
    Array.from({ length: options.clients ?? 8 }, async (_, index) => {
      const era = ERAS[index % 2]!;
      const tag = { current: `${options.label}-c${index}-connect` };
      const client = await connect(era, mcpUrl, { fetch: taggedFetch(tag, options.token) });
      return { client, era, tag, index };
    }),
  );
  const loops = clients.map(async ({ client, era, tag, index }) => {
    for (let n = 0; !stopping; n++) {
      const op = (["list", "fast", "slow"] as const)[(n + index) % 3]!;
      const callId = `${options.label}-c${index}-${n}`;
      tag.current = callId;
      const startMs = Date.now();
      const error = await runOp(client, op, callId, options.slowMs);
      calls.push({ callId, era, op, startMs, endMs: Date.now(), error });
    }
  });
  let stopped: Promise<WorkloadCall[]> | undefined;
  return {
    finished: () => calls,
    stop() {
      stopped ??= (async () => {
        stopping = true;
        await Promise.all(loops);
        await Promise.all(clients.map(({ client }) => client.close().catch(() => {})));
        return calls;
      })();
      return stopped;
    },
  };
}

/** Runs one operation; returns why it failed, or undefined. */
async function runOp(
  client: Client,
  op: WorkloadCall["op"],
  text: string,
  slowMs: number,
): Promise<string | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hung = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`hung for ${HANG_MS} ms`), HANG_MS);
  });
  const done = (async () => {
    try {
      if (op === "list") {
        const { tools } = await client.listTools(undefined, { timeout: REQUEST_TIMEOUT_MS });
        return tools.length >= 2 ? undefined : `tools/list: ${tools.length} tools`;
      }
      const options = { timeout: REQUEST_TIMEOUT_MS };
      const result = op === "fast"
        ? await client.callTool({ name: "fast_echo", arguments: { text } }, options)
        : await client.callTool({ name: "slow_echo", arguments: { text, ms: slowMs } }, options);
      const answer = result.content.map((part) => part.type === "text" ? part.text : "").join("");
      return result.isError || answer !== text
        ? `tools/call: ${JSON.stringify(result)}`
        : undefined;
    } catch (error) {
      return `${op}: ${error instanceof Error ? error.message : String(error)}`;
    }
  })();
  try {
    return await Promise.race([done, hung]);
  } finally {
    clearTimeout(timer);
  }
}

/** A fetch that sends `token`, and `x-call-id: <tag.current>` with every POST. */
function taggedFetch(tag: { current: string }, token: string): typeof fetch {
  return (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set("authorization", `Bearer ${token}`);
    if ((init?.method ?? "GET") === "POST") headers.set("x-call-id", tag.current);
    return fetch(input, { ...init, headers });
  };
}
