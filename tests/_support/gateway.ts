/**
 * The real gateway as a subprocess, and real SDK clients of both protocol eras talking to it, for
 * the end-to-end tests in `tests/e2e/`.
 *
 * `startGateway()` runs `main.ts serve` on port 0 and reads the "Nexus listening" log line for its
 * URL; `connect()` opens an SDK client of one era and asserts the era it negotiated, so a
 * 2026-07-28 test can never silently run the 2025 handshake.
 */

import assert from "node:assert/strict";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import type { ClientOptions } from "@modelcontextprotocol/client";
import { createToolsDir, type ToolsDir } from "./registry_fixtures/tools_dir.ts";

/** The repository root: the subprocess runs there so `deno.json` (import map) applies. */
export const REPO_ROOT = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");

/** The permissions `deno task start` grants the gateway, written once in `deno.json`. */
export const GATEWAY_FLAGS = [
  "--unstable-no-legacy-abort",
  "--allow-net",
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-sys",
  "--allow-run",
];

/** The two protocol eras, named by the revision each negotiates. */
export const ERAS = ["2025-11-25", "2026-07-28"] as const;

/** A protocol era. */
export type Era = typeof ERAS[number];

const MODERN: Era = "2026-07-28";
const READY_TIMEOUT_MS = 20_000;

/** The argv for `deno run … main.ts <command>`. */
export function gatewayArgs(command: string): string[] {
  return ["run", ...GATEWAY_FLAGS, `${REPO_ROOT}/main.ts`, command];
}

/**
 * A temp tools dir holding the shipped `tools/` examples, copied unchanged (they import
 * `nexus/tool`, which resolves from any directory), plus `extra` files; `await using` removes it.
 */
export async function createGatewayToolsDir(extra: Record<string, string> = {}): Promise<ToolsDir> {
  const files: Record<string, string> = {};
  for await (const entry of Deno.readDir(`${REPO_ROOT}/tools`)) {
    if (!entry.isFile) continue;
    files[entry.name] = await Deno.readTextFile(`${REPO_ROOT}/tools/${entry.name}`);
  }
  return await createToolsDir({ ...files, ...extra });
}

/**
 * This process's environment without any `NEXUS_*` variable, plus `env`: a subprocess sees only
 * the gateway config its test chose (pass it with `clearEnv: true`).
 */
export function gatewayEnv(env: Record<string, string>): Record<string, string> {
  const inherited = Object.entries(Deno.env.toObject()).filter(([name]) =>
    !name.startsWith("NEXUS_")
  );
  return { ...Object.fromEntries(inherited), NO_COLOR: "1", ...env };
}

/** A running gateway subprocess. */
export interface Gateway {
  /** `http://127.0.0.1:port` */
  url: string;
  /** The MCP endpoint, `http://127.0.0.1:port/mcp`. */
  mcpUrl: string;
  /** Every stderr line so far. */
  stderrLines(): string[];
  /** Sends SIGTERM and waits for the process to exit and its stderr to drain; idempotent. */
  stop(): Promise<Deno.CommandStatus>;
  /** Sends `signal` to the gateway process, without waiting (a second SIGTERM, …). */
  kill(signal: Deno.Signal): void;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Starts `main.ts serve` on 127.0.0.1 port 0 with `toolsDir` and extra `env`.
 * @throws Error with the collected stderr when the gateway exits or stays silent before listening.
 */
export async function startGateway(
  options: { toolsDir?: string; env?: Record<string, string>; viaStartTask?: boolean } = {},
): Promise<Gateway> {
  // Why: each gateway gets its own embedded store unless the test names one, so client keys and
  // audit rows of one test never leak into another (or into the developer's ./.nexus).
  const ownDataDir = options.env?.NEXUS_DATA_DIR === undefined &&
      options.env?.NEXUS_DATABASE_URL === undefined
    ? await Deno.makeTempDir({ prefix: "nexus-e2e-data-" })
    : undefined;
  const child = spawnServe({
    ...options,
    env: { ...(ownDataDir ? { NEXUS_DATA_DIR: ownDataDir } : {}), ...options.env },
  });
  const lines: string[] = [];
  const listening = Promise.withResolvers<string>();
  const drained = collectLines(child.stderr, (line) => {
    lines.push(line);
    const url = listeningUrl(line);
    if (url !== undefined) listening.resolve(url);
  });
  let stopped: Promise<Deno.CommandStatus> | undefined;
  function stop(): Promise<Deno.CommandStatus> {
    stopped ??= (async () => {
      try {
        child.kill("SIGTERM");
      } catch {
        // Why: the process may already have exited (a failed start); its status is still awaited.
      }
      const status = await child.status;
      await drained;
      if (ownDataDir) await Deno.remove(ownDataDir, { recursive: true }).catch(() => {});
      return status;
    })();
    return stopped;
  }
  let mcpUrl: string;
  try {
    mcpUrl = await raceReady(listening.promise, child.status);
  } catch (error) {
    await stop();
    throw new Error(`Gateway did not start: ${String(error)}\n${lines.join("\n")}`);
  }
  return {
    url: new URL(mcpUrl).origin,
    mcpUrl,
    stderrLines: () => [...lines],
    stop,
    kill: (signal) => child.kill(signal),
    [Symbol.asyncDispose]: async () => void await stop(),
  };
}

function spawnServe(
  options: { toolsDir?: string; env?: Record<string, string>; viaStartTask?: boolean },
): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: options.viaStartTask ? startTaskArgs() : gatewayArgs("serve"),
    cwd: REPO_ROOT,
    clearEnv: true,
    env: gatewayEnv({
      NEXUS_HOST: "127.0.0.1",
      NEXUS_PORT: "0",
      NEXUS_LOG_LEVEL: "info",
      // Why: most tests stop the gateway at their end; the drain's settle time (5 s by default,
      // for balancers) would only slow them. tests/e2e/drain_test.ts sets its own.
      NEXUS_DRAIN_SETTLE_MS: "0",
      ...(options.toolsDir === undefined ? {} : { NEXUS_TOOLS_DIR: options.toolsDir }),
      ...options.env,
    }),
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
}

/** The argv of `deno task start` as deno.json writes it (the sandboxing launcher), after `deno`. */
function startTaskArgs(): string[] {
  const config = JSON.parse(Deno.readTextFileSync(`${REPO_ROOT}/deno.json`));
  const [deno, ...args] = String(config.tasks.start).split(/\s+/);
  assert.equal(deno, "deno");
  return args;
}

async function raceReady(url: Promise<string>, exited: Promise<Deno.CommandStatus>) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("no listening line")), READY_TIMEOUT_MS);
  });
  const early = exited.then((status) => {
    throw new Error(`exited with code ${status.code}`);
  });
  try {
    return await Promise.race([url, early, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function listeningUrl(line: string): string | undefined {
  try {
    const record = JSON.parse(line);
    return record?.msg === "Nexus listening" && typeof record.url === "string"
      ? record.url
      : undefined;
  } catch {
    return undefined;
  }
}

/** Reads a byte stream to its end, calling `onLine` for each line. */
export async function collectLines(
  stream: ReadableStream<Uint8Array>,
  onLine: (line: string) => void,
): Promise<void> {
  let buffer = "";
  for await (const text of stream.pipeThrough(new TextDecoderStream())) {
    buffer += text;
    const parts = buffer.split("\n");
    buffer = parts.pop() ?? "";
    for (const part of parts) onLine(part);
  }
  if (buffer !== "") onLine(buffer);
}

/** Client options for one era: the default 2025 handshake, or pinned to 2026-07-28. */
export function eraOptions(era: Era, options: ClientOptions = {}): ClientOptions {
  return era === MODERN
    ? { ...options, versionNegotiation: { mode: { pin: MODERN } } }
    : { ...options };
}

/**
 * Connects a real SDK client of `era` over Streamable HTTP and asserts the negotiated revision.
 * `await using` closes it.
 */
export async function connect(
  era: Era,
  mcpUrl: string,
  options: { client?: ClientOptions; fetch?: typeof fetch } = {},
): Promise<Client & AsyncDisposable> {
  const client = new Client(
    { name: "nexus-e2e", version: "1.0.0" },
    eraOptions(era, options.client),
  );
  const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), { fetch: options.fetch });
  await client.connect(transport);
  assertEra(client, era);
  return Object.assign(client, { [Symbol.asyncDispose]: () => client.close() });
}

/** Asserts that a connected client negotiated exactly `era`. */
export function assertEra(client: Client, era: Era): void {
  assert.equal(client.getNegotiatedProtocolVersion(), era);
  assert.equal(client.getProtocolEra(), era === MODERN ? "modern" : "legacy");
}

/** A JSON-RPC request body; 2026-07-28 requests carry the per-request `_meta` envelope. */
export function rpcBody(
  era: Era,
  message: { id: number; method: string; params?: Record<string, unknown> },
): Record<string, unknown> {
  const params = era === MODERN
    ? { ...message.params, _meta: { ...modernEnvelope(), ...metaOf(message.params) } }
    : message.params;
  return { jsonrpc: "2.0", ...message, ...(params === undefined ? {} : { params }) };
}

function modernEnvelope(): Record<string, unknown> {
  return {
    "io.modelcontextprotocol/protocolVersion": MODERN,
    "io.modelcontextprotocol/clientInfo": { name: "nexus-e2e-raw", version: "1.0.0" },
    "io.modelcontextprotocol/clientCapabilities": {},
  };
}

function metaOf(params: Record<string, unknown> | undefined): Record<string, unknown> {
  const meta = params?._meta;
  return typeof meta === "object" && meta !== null ? meta as Record<string, unknown> : {};
}

/** Headers the SDK sends for one request of `era` (2025 after `initialize`). */
export function rpcHeaders(
  era: Era,
  message: { method: string; params?: Record<string, unknown> },
): Record<string, string> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "accept": "application/json, text/event-stream",
    "mcp-protocol-version": era,
  };
  if (era !== MODERN) return headers;
  headers["mcp-method"] = message.method;
  const name = message.params?.name;
  if (typeof name === "string") headers["mcp-name"] = name;
  return headers;
}

/** Sends the 2025 `initialize` request a raw 2025-era exchange starts with; returns the status. */
export async function initializeLegacy(mcpUrl: string): Promise<number> {
  const message = {
    id: 0,
    method: "initialize",
    params: {
      protocolVersion: "2025-11-25",
      capabilities: {},
      clientInfo: { name: "nexus-e2e-raw", version: "1.0.0" },
    },
  };
  const headers = rpcHeaders("2025-11-25", message);
  delete headers["mcp-protocol-version"];
  const response = await fetch(mcpUrl, {
    method: "POST",
    headers,
    body: JSON.stringify(rpcBody("2025-11-25", message)),
  });
  await response.body?.cancel();
  return response.status;
}

/** Reads a JSON-RPC response body, sent as JSON or as one SSE `message` event. */
export async function readRpcResponse(response: Response): Promise<Record<string, unknown>> {
  const text = await response.text();
  if (!(response.headers.get("content-type") ?? "").includes("text/event-stream")) {
    return JSON.parse(text);
  }
  const data = text.split("\n").find((line) => line.startsWith("data: "));
  assert.ok(data, `no data line in SSE body: ${text}`);
  return JSON.parse(data.slice("data: ".length));
}

/** Polls `condition` every 25 ms until it holds or `timeoutMs` passes; returns whether it held. */
export async function waitUntil(condition: () => boolean, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return true;
}

/**
 * POSTs (or sends `method`) over a plain TCP socket, for headers `fetch` will not send as given
 * (`Host`); returns the status and the body text. `Connection: close` ends the exchange.
 */
export async function postOverSocket(
  url: string,
  options: { headers: Record<string, string>; body: string; method?: string },
): Promise<{ status: number; body: string }> {
  const target = new URL(url);
  const bytes = new TextEncoder().encode(options.body);
  const head = Object.entries({
    ...options.headers,
    "content-length": String(bytes.byteLength),
    "connection": "close",
  }).map(([name, value]) => `${name}: ${value}\r\n`).join("");
  const conn = await Deno.connect({ hostname: target.hostname, port: Number(target.port) });
  const method = options.method ?? "POST";
  const request = new TextEncoder().encode(
    `${method} ${target.pathname} HTTP/1.1\r\n${head}\r\n`,
  );
  await conn.write(request);
  await conn.write(bytes);
  const text = await new Response(conn.readable).text();
  const [statusLine = "", ...rest] = text.split("\r\n");
  const body = rest.join("\r\n").split("\r\n\r\n").slice(1).join("\r\n\r\n");
  return { status: Number(statusLine.split(" ")[1]), body };
}
