// deno-lint-ignore-file no-console
/**
 * The REST backend every set-up calls, run in its own process: `GET /items/:id` answers a small
 * JSON object (about 300 bytes); `GET /slow/:ms/:id` answers about 200 bytes after `ms` ms (the
 * memory section's slow call). Prints `{"url":"http://127.0.0.1:<port>"}` on stdout once
 * listening, and stops on SIGTERM.
 */

const ITEM_PATH = /^\/items\/([^/]+)$/;
const SLOW_PATH = /^\/slow\/(\d+)\/([^/]+)$/;

if (import.meta.main) serveBackend();

function serveBackend(): void {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    handleRequest,
  );
  console.log(JSON.stringify({ url: `http://127.0.0.1:${server.addr.port}` }));
  Deno.addSignalListener("SIGTERM", () => {
    server.shutdown().then(() => Deno.exit(0));
  });
}

function handleRequest(request: Request): Response | Promise<Response> {
  const path = new URL(request.url).pathname;
  const slow = SLOW_PATH.exec(path);
  if (request.method === "GET" && slow !== null) return slowAnswer(Number(slow[1]), slow[2] ?? "");
  const match = ITEM_PATH.exec(path);
  if (request.method !== "GET" || match === null) {
    return new Response("Not found", { status: 404 });
  }
  return Response.json(itemFor(decodeURIComponent(match[1] ?? "")));
}

/** A deterministic item of about 300 bytes for `id` (the federation upstream answers it too). */
export function itemFor(id: string): Record<string, unknown> {
  const n = [...id].reduce((sum, char) => sum + (char.codePointAt(0) ?? 0), 0);
  return {
    id,
    sku: `SKU-${String(n).padStart(6, "0")}`,
    name: `Benchmark item ${id}`,
    description: "A small catalogue entry served by the benchmark backend for every set-up.",
    price: { amount: (n % 10_000) / 100, currency: "EUR" },
    stock: n % 500,
    tags: ["bench", "catalogue", n % 2 === 0 ? "even" : "odd"],
    updatedAt: "2026-01-01T00:00:00.000Z",
  };
}

/** About 200 bytes of JSON after `ms` milliseconds. */
async function slowAnswer(ms: number, id: string): Promise<Response> {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return Response.json({ id, note: "x".repeat(Math.max(0, 180 - id.length)) });
}
