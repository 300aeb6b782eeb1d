/**
 * A scripted HTTP/1.1 server on a raw loopback TCP listener, for the egress HTTP/1.1 client
 * tests: it records the exact request bytes it read and writes whatever bytes a test scripts,
 * malformed ones included, which `Deno.serve` would never send.
 */

import { createHttp1Client, type Http1Client, type Http1Request } from "../../lib/egress/http1.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
// Why: latin1 maps one byte to one character, so offsets found in the text are byte offsets.
const bytewise = new TextDecoder("latin1");

/** One accepted connection as the script sees it. */
export interface RawConn {
  /** 0 for the first connection accepted, then 1, 2, … */
  readonly index: number;
  /** The next request (head and its content-length body) as text; null at EOF. */
  readRequest(): Promise<string | null>;
  write(data: string | Uint8Array): Promise<void>;
  /** Writes `data` one byte per write with a short pause between, so the client sees it split. */
  writeBytewise(data: string): Promise<void>;
  /** Reads and discards until the client closes its end (or resets the connection). */
  untilEof(): Promise<void>;
  close(): void;
}

/** The running server. */
export interface RawServer {
  readonly dial: { hostname: string; port: number };
  /** Every request read so far, from all connections, in order. */
  readonly requests: string[];
  /** How many connections were accepted so far. */
  accepted(): number;
  /** Closes the listener and every connection still open, then waits for every script. */
  close(): Promise<void>;
}

/** Starts a server on 127.0.0.1 and an ephemeral port that runs `script` for each connection. */
export function startRawServer(script: (conn: RawConn) => Promise<void>): RawServer {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const requests: string[] = [];
  const open = new Set<Deno.Conn>();
  const scripts: Promise<void>[] = [];
  const accepting = (async () => {
    for await (const conn of listener) {
      open.add(conn);
      const raw = wrap(conn, scripts.length, requests, () => open.delete(conn));
      // Why: a client that resets or a forced close makes I/O throw; the script just ends.
      scripts.push(script(raw).catch(() => {}).finally(() => raw.close()));
    }
  })();
  return {
    dial: { hostname: "127.0.0.1", port: listener.addr.port },
    requests,
    accepted: () => scripts.length,
    async close() {
      listener.close();
      await accepting.catch(() => {});
      for (const conn of open) conn.close();
      open.clear();
      await Promise.all(scripts);
    },
  };
}

/** Runs `run` against a fresh server and client (failing after a hang), then closes both. */
export async function withServer(
  script: (conn: RawConn) => Promise<void>,
  run: (server: RawServer, client: Http1Client) => Promise<void>,
  options: Parameters<typeof createHttp1Client>[0] = {},
): Promise<void> {
  const server = startRawServer(script);
  const client = createHttp1Client(options);
  const running = run(server, client);
  try {
    await within(running, "the test body");
  } finally {
    client.close();
    await server.close();
    // Why: after a hang the body settles only once the server has closed its connections.
    await running.catch(() => {});
  }
}

/** A request for `path` on the server's own address, with `init` on top. */
export function get(server: RawServer, path = "/", init: Partial<Http1Request> = {}): Http1Request {
  return { method: "GET", url: new URL(`http://127.0.0.1:${server.dial.port}${path}`), ...init };
}

/** Replies to each request on each connection with `reply(request, n)`, n counting all requests. */
export function replyEach(
  reply: (request: string, n: number) => string | Uint8Array,
): (conn: RawConn) => Promise<void> {
  let n = 0;
  return async (conn) => {
    for (let request = await conn.readRequest(); request !== null;) {
      await conn.write(reply(request, n++));
      request = await conn.readRequest();
    }
  };
}

/** An HTTP/1.1 response with a content-length body. */
export function ok(body = "ok", head = "HTTP/1.1 200 OK"): string {
  return `${head}\r\ncontent-length: ${encoder.encode(body).length}\r\n\r\n${body}`;
}

/** Rejects with "Timed out: <label>" when `promise` has not settled after 10 s (a hang guard). */
export async function within<T>(promise: Promise<T>, label: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out: ${label}`)), 10_000);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function wrap(conn: Deno.Conn, index: number, requests: string[], forget: () => void): RawConn {
  let buffered = new Uint8Array(0);
  let closed = false;
  async function fill(): Promise<boolean> {
    const chunk = new Uint8Array(16384);
    const n = await conn.read(chunk);
    if (n === null) return false;
    const joined = new Uint8Array(buffered.length + n);
    joined.set(buffered);
    joined.set(chunk.subarray(0, n), buffered.length);
    buffered = joined;
    return true;
  }
  return {
    index,
    async readRequest() {
      let end = bytewise.decode(buffered).indexOf("\r\n\r\n");
      while (end < 0) {
        if (!(await fill())) return null;
        end = bytewise.decode(buffered).indexOf("\r\n\r\n");
      }
      const head = bytewise.decode(buffered.subarray(0, end));
      const size = end + 4 + Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      while (buffered.length < size) if (!(await fill())) return null;
      const request = decoder.decode(buffered.subarray(0, size));
      buffered = buffered.subarray(size);
      requests.push(request);
      return request;
    },
    async write(data) {
      const bytes = typeof data === "string" ? encoder.encode(data) : data;
      for (let at = 0; at < bytes.length;) at += await conn.write(bytes.subarray(at));
    },
    async writeBytewise(data) {
      for (const byte of encoder.encode(data)) {
        await conn.write(Uint8Array.of(byte));
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    },
    async untilEof() {
      try {
        while (await fill()) buffered = new Uint8Array(0);
      } catch {
        // A reset is an end too.
      }
    },
    close() {
      if (closed) return;
      closed = true;
      forget();
      try {
        conn.close();
      } catch {
        // Already closed by server.close().
      }
    },
  };
}
