// deno-lint-ignore-file no-console
/**
 * The memory section's floor (bench/memory_floor.ts), and the REST floor of bench/rest_ab.ts
 * (`--bare`): what Deno itself costs for the same load, with no MCP at all. A POST reads its JSON body, `fetch`es the backend's `GET /slow/:ms/:id` for
 * its `params.arguments` and answers a JSON-RPC result with the item as text, as Nexus's
 * `slow_item` does. `GET /heap` answers the live heap after two full GCs (run with
 * `--expose-gc`), `GET /readyz` the calls in flight, anything else `{"status":"ok"}`.
 *
 * `deno run --allow-net --allow-env bench/bare_server.ts serve|connection <backend url> [bound]
 * [fetch|lean]`:
 * `serve` is plain `Deno.serve`; `connection` accepts TCP itself and serves each connection with
 * Deno's per-connection entry, as Nexus's listener does (lib/http/connections.ts). With `bound`,
 * a POST past that many in flight is answered at once with 503, `Retry-After: 1` and JSON-RPC
 * `OVERLOADED`, as Nexus's admission control answers (without its short queue). With `lean`, the
 * hop goes through Nexus's HTTP/1.1 client (`lib/egress/http1.ts`) instead of `fetch`. Prints
 * `{"url":"http://127.0.0.1:<port>"}` on stdout once listening.
 */

import { createHttp1Client } from "../lib/egress/http1.ts";

const [mode = "serve", backend = "", bound = "Infinity", client = "fetch"] = Deno.args;
const maxCalls = Number(bound);
const lean = client === "lean" ? createHttp1Client() : undefined;
const backendUrl = new URL(backend || "http://127.0.0.1/");
const dial = { hostname: backendUrl.hostname, port: Number(backendUrl.port || 80) };
let inflight = 0;
let maxInflight = 0;

async function handle(request: Request): Promise<Response> {
  const path = new URL(request.url).pathname;
  if (request.method !== "POST") {
    if (path === "/heap") return Response.json(heapNow());
    if (path === "/readyz") return Response.json({ load: { inflight, maxInflight } });
    return Response.json({ status: "ok" });
  }
  if (inflight >= maxCalls) return overloaded();
  maxInflight = Math.max(maxInflight, ++inflight);
  try {
    const message = await request.json();
    const { id, ms } = message.params.arguments;
    // Why two shapes: without `ms` it is the REST floor of bench/rest_ab.ts (`get_item`'s call,
    // answered as Nexus answers it: text and structured content).
    const path = ms === undefined ? `/items/${id}` : `/slow/${ms}/${id}`;
    const upstream = lean === undefined
      ? await fetch(`${backend}${path}`, { signal: request.signal })
      : await lean.send(dial, {
        method: "GET",
        url: new URL(`${backend}${path}`),
        signal: request.signal,
      });
    const text = await upstream.text();
    const result = ms === undefined
      ? { content: [{ type: "text", text }], structuredContent: JSON.parse(text) }
      : { content: [{ type: "text", text }] };
    return Response.json({ result, jsonrpc: "2.0", id: message.id });
  } finally {
    inflight--;
  }
}

function overloaded(): Response {
  const error = { code: -32014, message: "Overloaded", data: { retryAfterMs: 1_000 } };
  return Response.json({ jsonrpc: "2.0", id: null, error }, {
    status: 503,
    headers: { "retry-after": "1" },
  });
}

function heapNow(): { heapUsed: number; gc: boolean } {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  return { heapUsed: Deno.memoryUsage().heapUsed, gc: gc !== undefined };
}

type ServeOnConnection = (
  conn: Deno.Conn,
  signal: AbortSignal | undefined,
  handler: (request: Request) => Promise<Response>,
  onError: (error: unknown) => Response,
  onListen: () => void,
) => unknown;

if (mode === "connection") {
  const internal = (Deno as unknown as { internal: symbol }).internal;
  const entry = (Deno as unknown as Record<symbol, { serveHttpOnConnection: ServeOnConnection }>)[
    internal
  ]!.serveHttpOnConnection;
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  console.log(JSON.stringify({ url: `http://127.0.0.1:${listener.addr.port}` }));
  const onError = () => new Response("Internal Server Error", { status: 500 });
  for await (const conn of listener) entry(conn, undefined, handle, onError, () => {});
} else {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handle);
  console.log(JSON.stringify({ url: `http://127.0.0.1:${server.addr.port}` }));
  await server.finished;
}
