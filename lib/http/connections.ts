/**
 * The HTTP listener, with the connection bounds `Deno.serve` (Deno 2.9) lacks: a deadline for a
 * request head, for the next request on an idle keep-alive connection, and for a client to take
 * a (non-streaming) response. A connection past its deadline is closed; others are not touched.
 *
 * Why connections are accepted here: `Deno.serve` has no header-read or keep-alive timeout, and a
 * handler cannot close its own connection. Accepting TCP ourselves and serving each connection
 * with Deno's own HTTP machinery (the per-connection entry behind `Deno.serve`) gives a handler
 * call per request and a close switch per connection, which is all a deadline needs. No byte goes
 * through JavaScript: the hot path gains a few field writes and one promise callback per request.
 * One timer sweeps every connection's deadline, so no timer is armed per request.
 *
 * Why a request head and an idle keep-alive connection differ only at the start: without reading
 * the bytes ourselves we cannot tell "idle" from "sending the next head slowly", so after a
 * response the next head must be complete within the idle timeout; the first head of a connection
 * within the header timeout.
 */

import type { Logger } from "../log.ts";

/** How long a connection that cannot be reused (after a 408 or 413) lingers for its answer, ms. */
const CLOSE_LINGER_MS = 500;

/** Deadlines of the bounded listener, in milliseconds. */
export interface ConnectionBounds {
  /** A new connection must deliver a complete request head within this time. */
  headerTimeoutMs: number;
  /**
   * After a response, the connection must deliver its next complete request head within this
   * time; a response body Deno took whole (bytes, text) must also be taken by the client by then.
   */
  idleTimeoutMs: number;
  /** A client must take a streamed non-SSE response within this time once it is ready. */
  sendTimeoutMs: number;
}

/** Where and how the bounded listener serves. */
export interface BoundedServeOptions extends ConnectionBounds {
  /** The interface address to listen on (config `host`, default `127.0.0.1`). */
  hostname: string;
  /** The TCP port to listen on; 0 picks a free one (read it from `BoundedServer.addr`). */
  port: number;
  /** Where unhandled request errors and the missing-deadline fallback are logged. */
  logger: Logger;
}

/** A running listener: the subset of `Deno.HttpServer` the gateway uses. */
export interface BoundedServer {
  /** The address actually bound, with the port the system picked for port 0. */
  addr: Deno.NetAddr;
  /** Settles when the listener has stopped and every connection has ended. */
  finished: Promise<void>;
  /** Stops accepting, lets in-flight requests finish, closes every connection. */
  shutdown(): Promise<void>;
  /** Open connections right now. */
  connections(): number;
  /**
   * Starts a drain: from now on every response carries `Connection: close`, so a client (or a
   * balancer) holding a kept-alive connection opens a new one elsewhere after its answer. The
   * listener keeps accepting until `stopAccepting()`.
   */
  drain(): void;
  /** Stops accepting new connections; open ones keep being served. Idempotent. */
  stopAccepting(): Promise<void>;
  /** Requests being handled or sent right now (notification streams included). */
  requests(): number;
  /** Closes every connection at once, whatever it is doing (a forced stop). */
  abort(): void;
}

type Handler = Deno.ServeHandler<Deno.NetAddr>;

/**
 * What the per-connection entry reads of its signal: it only registers a one-time "abort"
 * listener that cuts the connection (Deno 2.9 `CallbackContext`).
 */
interface CloseSwitch {
  readonly aborted: boolean;
  addEventListener(type: "abort", listener: () => void, options?: { once: boolean }): void;
  removeEventListener(type: "abort", listener: () => void): void;
}

/** The per-connection entry Deno's `Deno.serve` is built on (internal in Deno 2.9). */
type ServeOnConnection = (
  conn: Deno.Conn,
  signal: CloseSwitch,
  handler: Handler,
  onError: (error: unknown) => Response,
  onListen: () => void,
) => { finished: Promise<void>; shutdown(): Promise<void> };

/** One served connection and its deadline (`Infinity` while a request is handled). */
interface Tracked {
  deadline: number;
  active: number;
  /** The status of the last response, read when it has been sent. */
  status: number;
  done: boolean;
  /** Cuts the connection at once: the listener the per-connection entry registered. */
  cut?: () => void;
  server: { shutdown(): Promise<void> };
}

/**
 * Serves `handler` on `hostname:port` with connection deadlines. Falls back to plain
 * `Deno.serve` (unbounded, with a warning) on a Deno without the per-connection entry.
 * @throws Deno.errors.AddrInUse and the other errors of `Deno.listen`.
 */
export function serveBounded(
  options: BoundedServeOptions,
  handler: Deno.ServeHandler<Deno.NetAddr>,
): BoundedServer {
  const serveOnConnection = perConnectionEntry();
  if (serveOnConnection === undefined) {
    options.logger.warn("Connection timeouts unavailable on this Deno: serving without them", {
      deno: Deno.version.deno,
    });
    return unbounded(options, handler);
  }
  const listener = Deno.listen({ hostname: options.hostname, port: options.port });
  const open = new Set<Tracked>();
  const draining: DrainFlag = { on: false };
  const onError = (error: unknown): Response => {
    options.logger.error("Unhandled error serving a request", { error });
    return new Response("Internal Server Error", { status: 500 });
  };
  const tick = Math.min(
    1000,
    Math.max(25, Math.min(options.headerTimeoutMs, options.idleTimeoutMs) / 10),
  );
  const sweeper = setInterval(() => sweep(open, performance.now()), tick);
  Deno.unrefTimer(sweeper);
  const accepting = (async () => {
    try {
      for await (const conn of listener) {
        open.add(trackConnection(conn, {
          serveOnConnection,
          handler,
          onError,
          options,
          draining,
          open,
        }));
      }
    } catch (error) {
      // Why: closing the listener ends the loop with BadResource or Interrupted; that is the stop.
      if (!(error instanceof Deno.errors.BadResource || error instanceof Deno.errors.Interrupted)) {
        options.logger.error("Listener failed", { error });
      }
    }
  })();
  const finished = Promise.withResolvers<void>();
  let stopping: Promise<void> | undefined;
  let closed: Promise<void> | undefined;
  function stopAccepting(): Promise<void> {
    closed ??= (async () => {
      listener.close();
      await accepting;
    })();
    return closed;
  }
  return {
    addr: listener.addr as Deno.NetAddr,
    finished: finished.promise,
    connections: () => open.size,
    drain() {
      draining.on = true;
    },
    stopAccepting,
    requests: () => [...open].reduce((sum, tracked) => sum + tracked.active, 0),
    abort: () => open.forEach(close),
    shutdown() {
      stopping ??= (async () => {
        clearInterval(sweeper);
        await stopAccepting();
        await Promise.all([...open].map((tracked) => tracked.server.shutdown()));
        finished.resolve();
      })();
      return stopping;
    },
  };
}

/** Whether a drain began; shared by the listener and every connection it serves. */
interface DrainFlag {
  on: boolean;
}

/**
 * `response` with `Connection: close`, so the connection ends once it is sent.
 * Why a copy on failure: a `Response.error()` or a fetched response has immutable headers.
 */
function closing(response: Response): Response {
  try {
    response.headers.set("connection", "close");
    return response;
  } catch {
    const copy = new Response(response.body, response);
    copy.headers.set("connection", "close");
    return copy;
  }
}

/** Serves one connection and keeps its deadline current as requests come and go. */
function trackConnection(
  conn: Deno.Conn,
  deps: {
    serveOnConnection: ServeOnConnection;
    handler: Handler;
    onError: (error: unknown) => Response;
    options: ConnectionBounds;
    draining: DrainFlag;
    /** The open connections; this one leaves it when it ends. */
    open: Set<Tracked>;
  },
): Tracked {
  // Why the fields and not `deps`: the closures below live as long as the connection, and would
  // keep the whole `deps` object (one per connection) with them.
  const { handler, options, draining, open } = deps;
  const tracked = {
    deadline: performance.now() + options.headerTimeoutMs,
    active: 0,
    status: 0,
    done: false,
  } as Tracked;
  function settled(): void {
    tracked.active--;
    // Why: after a 408 or 413 the rest of the body was never read; the connection cannot be
    // reused, and waiting for the client to send it would hold the connection open.
    // Why a linger, not now: `completed` means handed to Deno, not yet on the wire; cutting at
    // once lost the 408 itself on a loaded host (nginx's lingering close does the same).
    // Why a 503 too (with `Connection: close`, `sent`): the linger is the backstop.
    if (tracked.status === 408 || tracked.status === 413 || tracked.status === 503) {
      tracked.deadline = performance.now() + CLOSE_LINGER_MS;
      return;
    }
    if (tracked.active === 0) tracked.deadline = performance.now() + options.idleTimeoutMs;
  }
  function sent(response: Response): Response {
    tracked.status = response.status;
    // Why a 503 too: a client told to come back later (admission, not ready) need not hold a used
    // connection meanwhile; 10,000 2025-era clients kept theirs through their Retry-After wait
    // (Deno closes after a refused 2026-07-28 request, whose larger body it did not read, but not
    // after the smaller 2025 one): peak RSS 476 → 334 MB with the header, 420 MB with the linger
    // alone. Where Deno closes too it adds its own header: the client then reads `close, close`,
    // a valid list (RFC 9110 §7.6.1) with the same meaning.
    if (draining.on || response.status === 503) response = closing(response);
    // Why: a notification stream stays open by design; its own liveness rules (lib/mcp) apply.
    if (!response.headers.get("content-type")?.startsWith("text/event-stream")) {
      tracked.deadline = performance.now() + options.sendTimeoutMs;
    }
    return response;
  }
  function serve(request: Request, info: Deno.ServeHandlerInfo<Deno.NetAddr>) {
    tracked.active++;
    tracked.deadline = Infinity;
    info.completed.then(settled, settled);
    const response = handler(request, info);
    return response instanceof Response ? sent(response) : response.then(sent);
  }
  // Why not an AbortController: the entry only adds one "abort" listener to its signal, and a
  // controller, its signal and their listener tables are held by every open connection (about
  // 0.7 KB of heap each; bench/README.md "Memory"). `close()` calls the listener instead.
  // `aborted` and `removeEventListener` are there so that a Deno that reads more of its signal
  // still finds an AbortSignal's shape (the connection tests would show a change of behaviour).
  const closeSwitch: CloseSwitch = {
    aborted: false,
    addEventListener(_type, listener) {
      tracked.cut = listener;
    },
    removeEventListener(_type, listener) {
      if (tracked.cut === listener) delete tracked.cut;
    },
  };
  const server = deps.serveOnConnection(conn, closeSwitch, serve, deps.onError, () => {});
  tracked.server = server;
  // Why both arms: `finished` rejects when the peer reset the connection (ConnectionReset); left
  // unhandled, that rejection ended the whole process.
  const markDone = () => {
    tracked.done = true;
    open.delete(tracked);
  };
  server.finished.then(markDone, markDone);
  return tracked;
}

/** Closes every connection past its deadline. */
function sweep(open: Set<Tracked>, now: number): void {
  for (const tracked of open) {
    if (now >= tracked.deadline) close(tracked);
  }
}

/**
 * Closes a connection at once. Why not a graceful shutdown: it waits for a body left unread
 * (after a 408 or 413) and for a response the client does not take (Deno reports a byte body
 * complete once handed over, before the client has read it).
 */
function close(tracked: Tracked): void {
  // Why the guard: Deno's abort handler throws on a connection that already finished; `done` is
  // set in the same turn the connection finishes, so a connection not `done` is still open.
  if (tracked.done) return;
  tracked.done = true;
  tracked.deadline = Infinity;
  try {
    tracked.cut?.();
  } catch {
    // Why: the cut throws BadResource when the connection ended in this same turn; it is closed.
  }
}

/** Plain `Deno.serve`, for a Deno without the per-connection entry. */
function unbounded(options: BoundedServeOptions, handler: Handler): BoundedServer {
  const draining: DrainFlag = { on: false };
  let active = 0;
  async function serve(request: Request, info: Deno.ServeHandlerInfo<Deno.NetAddr>) {
    active++;
    info.completed.finally(() => active--);
    const response = await handler(request, info);
    return draining.on ? closing(response) : response;
  }
  const server = Deno.serve(
    { hostname: options.hostname, port: options.port, onListen: () => {} },
    serve,
  );
  return {
    addr: server.addr,
    finished: server.finished,
    shutdown: () => server.shutdown(),
    connections: () => 0,
    drain() {
      draining.on = true;
    },
    // Why: plain `Deno.serve` cannot stop accepting without ending its connections.
    stopAccepting: () => Promise.resolve(),
    requests: () => active,
    abort: () => void server.shutdown(),
  };
}

function perConnectionEntry(): ServeOnConnection | undefined {
  const internal = (Deno as unknown as { internal?: symbol }).internal;
  if (internal === undefined) return undefined;
  const entry = (Deno as unknown as Record<symbol, Record<string, unknown> | undefined>)[internal]
    ?.serveHttpOnConnection;
  return typeof entry === "function" ? entry as ServeOnConnection : undefined;
}
