/**
 * A real local HTTP upstream for tests (Deno.serve on 127.0.0.1, port 0). Built-in routes:
 *
 * - `/echo…` (any path under it): the request as JSON: method, path (decoded), rawPath, query
 *   (name → values), headers, body (parsed JSON, else text, else null).
 * - `/respond?status=&body=&type=&retryAfter=&location=`: that status, body and headers.
 * - `/sleep/:ms`: answers `{ "slept": ms }` after ms (at once when the server closes).
 * - `/slow-body/:ms`: sends headers and a first chunk at once, the rest of the body after ms.
 * - `/redirect?to=&status=`: a redirect (default 302) to `to`, which may be relative.
 * - `/redirect-loop/:n`: redirects to `/redirect-loop/n+1`, forever.
 * - `/huge?bytes=&length=1`: `bytes` of text streamed lazily; `length=1` sends Content-Length.
 *
 * `routes` adds or overrides handlers by exact path. `hits(path)` counts requests per path.
 */

/** A running upstream. */
export interface Upstream {
  /** `http://127.0.0.1:port` (no trailing slash). */
  url: string;
  /** The same as `url`: what `URL.origin` gives for it. */
  origin: string;
  /** Requests received, for one path (`/echo/a`) or in total. */
  hits(path?: string): number;
  /** Body bytes `/huge` actually handed to the socket (it stops when the client cancels). */
  bytesStreamed(): number;
  close(): Promise<void>;
}

/** A custom route handler. */
export type RouteHandler = (request: Request) => Response | Promise<Response>;

const encoder = new TextEncoder();
const HUGE_CHUNK = 64 * 1024;

/** Starts an upstream on a free port; always `await upstream.close()` in a `finally`. */
export function startUpstream(options: { routes?: Record<string, RouteHandler> } = {}): Upstream {
  const hits = new Map<string, number>();
  const closing = new AbortController();
  const streamed = { bytes: 0 };
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen() {} },
    (request) => {
      const path = new URL(request.url).pathname;
      hits.set(path, (hits.get(path) ?? 0) + 1);
      const custom = options.routes?.[path];
      if (custom !== undefined) return custom(request);
      return route(request, { closing: closing.signal, streamed });
    },
  );
  const url = `http://127.0.0.1:${server.addr.port}`;
  return {
    url,
    origin: url,
    hits: (path) =>
      path === undefined ? [...hits.values()].reduce((a, b) => a + b, 0) : hits.get(path) ?? 0,
    bytesStreamed: () => streamed.bytes,
    async close() {
      closing.abort();
      await server.shutdown();
    },
  };
}

interface RouteContext {
  closing: AbortSignal;
  streamed: { bytes: number };
}

function route(request: Request, context: RouteContext): Response | Promise<Response> {
  const url = new URL(request.url);
  const [, first = "", second = ""] = url.pathname.split("/");
  switch (first) {
    case "echo":
      return echo(request);
    case "respond":
      return respond(url.searchParams);
    case "sleep":
      return sleep(Number(second), context.closing).then(() =>
        Response.json({ slept: Number(second) })
      );
    case "slow-body":
      return new Response(slowBody(Number(second), context.closing), {
        headers: { "content-type": "text/plain" },
      });
    case "redirect":
      return redirect(url.searchParams.get("to") ?? "/echo", url.searchParams.get("status"));
    case "redirect-loop":
      return redirect(`/redirect-loop/${Number(second) + 1}`, "302");
    case "huge":
      return huge(url.searchParams, context.streamed);
    default:
      return new Response("no such route", { status: 404 });
  }
}

async function echo(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const text = await request.text();
  const query: Record<string, string[]> = {};
  for (const [name, value] of url.searchParams) (query[name] ??= []).push(value);
  return Response.json({
    method: request.method,
    path: decodeURIComponent(url.pathname),
    rawPath: url.pathname,
    query,
    headers: Object.fromEntries(request.headers),
    body: text === "" ? null : parseOrText(text),
  });
}

function parseOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function respond(params: URLSearchParams): Response {
  const headers = new Headers({ "content-type": params.get("type") ?? "text/plain" });
  const retryAfter = params.get("retryAfter");
  if (retryAfter !== null) headers.set("retry-after", retryAfter);
  const location = params.get("location");
  if (location !== null) headers.set("location", location);
  const status = Number(params.get("status") ?? "200");
  const body = status === 204 || status === 205 ? null : params.get("body") ?? "";
  return new Response(body, { status, headers });
}

function redirect(to: string, status: string | null): Response {
  return new Response(null, { status: Number(status ?? "302"), headers: { location: to } });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    if (signal.aborted) done();
    else signal.addEventListener("abort", done, { once: true });
  });
}

function slowBody(ms: number, closing: AbortSignal): ReadableStream<Uint8Array> {
  const cancelled = new AbortController();
  let sent = false;
  return new ReadableStream({
    start(controller) {
      controller.enqueue(encoder.encode("first chunk\n"));
    },
    async pull(controller) {
      if (sent) return controller.close();
      sent = true;
      await sleep(ms, AbortSignal.any([closing, cancelled.signal]));
      if (!cancelled.signal.aborted) controller.enqueue(encoder.encode("rest of the body\n"));
    },
    cancel() {
      cancelled.abort();
    },
  });
}

function huge(params: URLSearchParams, streamed: { bytes: number }): Response {
  const total = Number(params.get("bytes") ?? "1000000");
  const chunk = encoder.encode("0123456789abcdef".repeat(HUGE_CHUNK / 16));
  let remaining = total;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (remaining <= 0) return controller.close();
      const part = chunk.subarray(0, Math.min(remaining, chunk.length));
      remaining -= part.length;
      streamed.bytes += part.length;
      controller.enqueue(part);
    },
  }, { highWaterMark: 0 });
  const headers = new Headers({ "content-type": "text/plain" });
  if (params.get("length") === "1") headers.set("content-length", String(total));
  return new Response(body, { headers });
}
