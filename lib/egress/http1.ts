/**
 * A lean HTTP/1.1 client for plain-`http:` upstream hops, on Deno's TCP connections with a
 * keep-alive pool per dialled address; it answers a real `Response`, as `fetch` would.
 *
 * Why not Deno's `fetch` here: it cost a REST tool call about 50 µs of CPU (the `Request` and its
 * header conversions, the body stream, hyper's client on the same thread). A bare Deno server
 * making the same hop used 89 µs of server CPU per call with `fetch` and 55 µs with this client
 * (`bench/rest_ab.ts --bare`; bench/README.md, "Fifth round"). HTTPS stays on `fetch` (TLS, the
 * checking tunnel).
 *
 * What it speaks: one request per connection at a time (no pipelining); a body by length,
 * chunked, or to the connection's end; gzip and deflate decoded; 1xx heads skipped; a connection
 * reused only after a complete, well-framed HTTP/1.1 answer without `Connection: close`.
 */

import { Connection, Pool } from "./http1_conn.ts";
import { type BodyEnd, bodyStream, closedEarly, type Framing, framingOf } from "./http1_body.ts";
import {
  headEnd,
  invalid,
  latin1,
  parseResponseHead,
  requestBytes,
  requestHead,
  type ResponseHead,
} from "./http1_wire.ts";

/** One request; the URL must be `http:`. */
export interface Http1Request {
  /** The method; the ones fetch upper-cases are upper-cased. */
  method: string;
  /** The request target is its path and query; `host` is always its host (as fetch sends). */
  url: URL;
  /** Sent as they are, after `host`; `content-length` and `transfer-encoding` are ours. */
  headers?: Headers;
  /** Sent with its `content-length`; POST, PUT and PATCH without one send `content-length: 0`. */
  body?: string | Uint8Array;
  /** Aborting closes the connection; the call (or the body's stream) rejects with its reason. */
  signal?: AbortSignal | null;
}

/** Sends requests over kept-alive connections. */
export interface Http1Client {
  /** Sends `request` to `dial` (an address literal and a port); a `Response` as fetch gives. */
  send(dial: { hostname: string; port: number }, request: Http1Request): Promise<Response>;
  /** Idle keep-alive connections held now, over all targets. */
  idleCount(): number;
  /** Closes every idle connection; later requests open new ones. */
  close(): void;
}

const MAX_HEAD_BYTES = 64 * 1024;
/** A declared body up to this long is read before the `Response` is made (no JS stream). */
const WHOLE_BODY_BYTES = 64 * 1024;
const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"]);
const DECODED = new Map([["gzip", "gzip"], ["x-gzip", "gzip"], ["deflate", "deflate"]]);
/** The methods fetch upper-cases (the Fetch standard's "normalize"); others are sent as given. */
const NORMALISED = new Set(["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"]);
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const encoder = new TextEncoder();

/**
 * A client; `idleMs` (default 4 s, below the 5 s keep-alive of Node and Apache servers) is how long
 * an unused connection is kept, `maxIdlePerTarget` (default 256) how many per address.
 */
export function createHttp1Client(
  options: { idleMs?: number; maxIdlePerTarget?: number } = {},
): Http1Client {
  const idleMs = options.idleMs ?? 4_000;
  const pool = new Pool(options.maxIdlePerTarget ?? 256);
  return {
    send: (dial, request) => send(pool, idleMs, dial, request),
    idleCount: () => pool.size,
    close: () => pool.closeAll(),
  };
}

async function send(
  pool: Pool,
  idleMs: number,
  dial: { hostname: string; port: number },
  request: Http1Request,
): Promise<Response> {
  const signal = request.signal ?? undefined;
  signal?.throwIfAborted();
  const method = NORMALISED.has(request.method.toUpperCase())
    ? request.method.toUpperCase()
    : request.method;
  if (!TOKEN.test(method)) throw new TypeError(`fetch failed: invalid method "${method}"`);
  if (request.url.username !== "" || request.url.password !== "") {
    throw new TypeError("fetch failed: a URL with credentials cannot be requested");
  }
  const body = typeof request.body === "string" ? encoder.encode(request.body) : request.body;
  const head = requestHead({
    method,
    url: request.url,
    headers: request.headers,
    bodyLength: body?.byteLength,
  });
  const bytes = requestBytes(head.text, body);
  const key = `${dial.hostname}|${dial.port}`;
  for (let attempt = 0;; attempt++) {
    // Why not the pool for the second attempt: another kept-alive connection may be as stale.
    const connection = (attempt === 0 ? pool.take(key) : undefined) ??
      await connect(dial, key, signal);
    const exchange = new Exchange(connection, pool, idleMs, signal);
    try {
      const conn = connection.conn;
      for (let written = await conn.write(bytes); written < bytes.length;) {
        written += await conn.write(bytes.subarray(written));
      }
      let answer: ResponseHead | undefined;
      while ((answer = takeHead(connection)) === undefined) {
        if (!(await connection.fill(MAX_HEAD_BYTES))) throw closedEarly();
      }
      return await exchange.respond(answer, framingOf(answer, method, head.close));
    } catch (error) {
      const failure = exchange.failed(error);
      // Why a second attempt only then: a kept-alive connection the server closed just as the
      // request went out fails before any answer; a request that may not be repeated is not.
      const stale = connection.reused && exchange.answerBytes === 0 && !signal?.aborted;
      if (attempt === 0 && stale && IDEMPOTENT.has(method)) continue;
      throw failure;
    }
  }
}

async function connect(
  dial: { hostname: string; port: number },
  key: string,
  signal: AbortSignal | undefined,
): Promise<Connection> {
  let conn: Deno.TcpConn;
  try {
    conn = await Deno.connect({ hostname: dial.hostname, port: dial.port, signal });
  } catch (error) {
    throw signal?.aborted ? signal.reason : error;
  }
  conn.setNoDelay(true);
  return new Connection(conn, key);
}

/**
 * The next head in the buffer, consumed (1xx ones skipped), or undefined while it is incomplete.
 * Why not async: nearly every head arrives in the first read, and a frame per await is a promise
 * and a job per call.
 * @throws TypeError for a malformed head or an unasked protocol switch.
 */
function takeHead(connection: Connection): ResponseHead | undefined {
  for (;;) {
    const end = headEnd(connection.buffer, connection.start, connection.end);
    if (end < 0) return undefined;
    const head = parseResponseHead(latin1(connection.buffer, connection.start, end));
    connection.start = end;
    if (head.status === 101) throw invalid("protocol switch not asked for");
    if (head.status >= 200) return head;
  }
}

/**
 * One request's use of a connection: it watches the signal while the answer is read, and hands
 * the connection back to the pool (or closes it) once the answer's body has ended.
 */
class Exchange implements BodyEnd {
  #settled = false;

  constructor(
    readonly connection: Connection,
    readonly pool: Pool,
    readonly idleMs: number,
    readonly signal: AbortSignal | undefined,
  ) {
    signal?.addEventListener("abort", this, { once: true });
  }

  /** Bytes of the answer read so far (for telling a stale connection). */
  get answerBytes(): number {
    return this.connection.end;
  }

  /** The signal fired: the connection goes, which ends any read waiting on it. */
  handleEvent(): void {
    this.connection.close();
  }

  respond(head: ResponseHead, framing: Framing): Response | Promise<Response> {
    const headers = new Headers();
    for (const [name, value] of head.fields) headers.append(name, value);
    if (framing.kind === "none") {
      this.done(framing.reusable);
      return new UpstreamResponse(null, head, headers);
    }
    const coding = DECODED.get(headers.get("content-encoding")?.trim().toLowerCase() ?? "");
    if (framing.kind === "length" && framing.length <= WHOLE_BODY_BYTES && coding === undefined) {
      const connection = this.connection;
      // Why: a small answer is nearly always whole in the buffer already; no await then.
      if (connection.end - connection.start >= framing.length) {
        return this.#whole(framing.length, framing.reusable, head, headers);
      }
      return this.#filled(framing.length).then(() =>
        this.#whole(framing.length, framing.reusable, head, headers)
      );
    }
    const stream = bodyStream(this.connection, framing, this);
    const body = coding === undefined
      ? stream
      : (stream as ReadableStream<BufferSource>).pipeThrough(
        new DecompressionStream(coding as CompressionFormat),
      );
    return new UpstreamResponse(body, head, headers);
  }

  done(reusable: boolean): void {
    if (this.#settled) return;
    this.#settled = true;
    this.signal?.removeEventListener("abort", this);
    const connection = this.connection;
    // Why not when bytes are left over: nothing may follow an answer we did not ask for.
    const clean = reusable && connection.start === connection.end && !connection.closed;
    if (!clean || !this.pool.put(connection, this.idleMs)) connection.close();
  }

  failed(reason: unknown): unknown {
    if (!this.#settled) {
      this.#settled = true;
      this.signal?.removeEventListener("abort", this);
      this.connection.close();
    }
    return this.signal?.aborted ? this.signal.reason : reason;
  }

  /** Reads until `length` body bytes are buffered. */
  async #filled(length: number): Promise<void> {
    const connection = this.connection;
    while (connection.end - connection.start < length) {
      if (!(await connection.fill(connection.start + length))) throw closedEarly();
    }
  }

  /**
   * The answer with the buffered body of `length` bytes. Why a view of the buffer: `Response`
   * copies a byte body when it is made, before the connection can read into the buffer again.
   */
  #whole(length: number, reusable: boolean, head: ResponseHead, headers: Headers): Response {
    const connection = this.connection;
    const body = connection.buffer.subarray(connection.start, connection.start + length);
    connection.start += length;
    const response = new UpstreamResponse(body, head, headers);
    this.done(reusable);
    return response;
  }
}

/**
 * An upstream's answer. Why a subclass carrying status and headers itself: Deno 2.9 builds its
 * server's native response up front for `new Response(bytes, init)` whose status is not 200 or
 * that has more than a content type (about 10 µs a call, for an answer that is never served);
 * built without `init` it does not, and the body, its methods and `instanceof Response` stay
 * Deno's own.
 */
class UpstreamResponse extends Response {
  readonly #head: ResponseHead;
  readonly #headers: Headers;

  constructor(body: BodyInit | null, head: ResponseHead, headers: Headers) {
    super(body);
    this.#head = head;
    this.#headers = headers;
  }

  override get status(): number {
    return this.#head.status;
  }

  override get ok(): boolean {
    return this.#head.status >= 200 && this.#head.status <= 299;
  }

  override get statusText(): string {
    return this.#head.statusText;
  }

  override get headers(): Headers {
    return this.#headers;
  }

  override clone(): Response {
    return new UpstreamResponse(super.clone().body, this.#head, new Headers(this.#headers));
  }
}
