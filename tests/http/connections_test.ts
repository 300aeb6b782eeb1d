import assert from "node:assert/strict";
import { serveBounded } from "../../lib/http/connections.ts";
import { createLogger } from "../../lib/log.ts";

const logger = createLogger({ level: "error", sink: () => {} });
const BIG = new Uint8Array(64 * 1024 * 1024);

function bigResponse(path: string): Response {
  if (path === "/bytes") return new Response(BIG);
  if (path === "/stream") return new Response(new Blob([BIG]).stream());
  return new Response("ok");
}

/** A bounded listener on a free loopback port with these deadlines (ms). */
function bounded(
  ms: { header: number; idle: number; send: number },
  handler: (request: Request) => Response | Promise<Response>,
) {
  return serveBounded({
    hostname: "127.0.0.1",
    port: 0,
    logger,
    headerTimeoutMs: ms.header,
    idleTimeoutMs: ms.idle,
    sendTimeoutMs: ms.send,
  }, handler);
}

/** Requests `path` and reads nothing for `stallMs`, then drains; returns the bytes received. */
async function stalledRead(port: number, path: string, stallMs: number): Promise<number> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(new TextEncoder().encode(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`));
  await new Promise((resolve) => setTimeout(resolve, stallMs));
  let received = 0;
  const buffer = new Uint8Array(1024 * 1024);
  while (true) {
    const read = await conn.read(buffer).catch(() => null);
    if (read === null) break;
    received += read;
  }
  conn.close();
  return received;
}

Deno.test("serveBounded() cuts off a client that stops reading its response, not others", async () => {
  const server = bounded(
    { header: 5000, idle: 2500, send: 2000 },
    (request) => bigResponse(new URL(request.url).pathname),
  );
  try {
    const port = server.addr.port;
    const stalled = ["/bytes", "/stream"].map((path) => stalledRead(port, path, 4000));
    // Another client is served at once while both hold their responses unread. Why 1500 ms: a
    // listener blocked by them would answer only once the 2 s send timeout cut them off.
    const started = performance.now();
    const answer = await fetch(`http://127.0.0.1:${port}/small`, { keepalive: false });
    assert.equal(await answer.text(), "ok");
    assert.ok(performance.now() - started < 1500);
    const [bytes, stream] = await Promise.all(stalled);
    assert.ok(bytes! < BIG.byteLength, `the whole byte body arrived (${bytes} bytes)`);
    assert.ok(stream! < BIG.byteLength, `the whole streamed body arrived (${stream} bytes)`);
  } finally {
    await server.shutdown();
  }
});

Deno.test("serveBounded() leaves a connection that keeps making requests open", async () => {
  const server = bounded({ header: 300, idle: 300, send: 300 }, () => new Response("ok"));
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
    const buffer = new Uint8Array(4096);
    for (let request = 0; request < 10; request++) {
      await conn.write(new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
      const read = await conn.read(buffer);
      assert.ok(read !== null, `closed before request ${request}`);
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    conn.close();
  } finally {
    await server.shutdown();
  }
});

Deno.test("serveBounded() survives clients that reset their connection mid-response", async () => {
  const server = bounded(
    { header: 5000, idle: 5000, send: 5000 },
    () => new Response(new Blob([BIG.subarray(0, 8 * 1024 * 1024)]).stream()),
  );
  try {
    // Why: closing with unread data resets the connection while the server still writes; the
    // rejection of the connection's `finished` used to be unhandled and ended the process.
    for (let i = 0; i < 5; i++) {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
      await conn.write(new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
      await conn.read(new Uint8Array(1024));
      conn.close();
    }
    const response = await fetch(`http://127.0.0.1:${server.addr.port}/`);
    assert.equal(response.status, 200);
    await response.body?.cancel();
  } finally {
    await server.shutdown();
  }
});

Deno.test("serveBounded() ends a connection after a 503 (come back later), keeps it after a 200", async () => {
  const server = bounded(
    { header: 30_000, idle: 30_000, send: 30_000 },
    (request) =>
      new URL(request.url).pathname === "/busy"
        ? new Response("busy", { status: 503, headers: { "retry-after": "1" } })
        : new Response("ok"),
  );
  try {
    const ask = async (conn: Deno.Conn, path: string) => {
      await conn.write(new TextEncoder().encode(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`));
      const buffer = new Uint8Array(4096);
      const read = await conn.read(buffer);
      return read === null ? "" : new TextDecoder().decode(buffer.subarray(0, read));
    };
    const refused = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
    const busy = await ask(refused, "/busy");
    assert.match(busy, /^HTTP\/1\.1 503/);
    assert.match(busy, /\r\nconnection: close\r\n/i, "the client is told");
    // The server closes it, long before the 30 s idle timeout would: the next read ends.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const rest = await Promise.race([
      refused.read(new Uint8Array(4096)).catch(() => null),
      new Promise<"open">((resolve) => timer = setTimeout(() => resolve("open"), 10_000)),
    ]);
    clearTimeout(timer);
    assert.equal(rest, null, "the refused client's connection was closed");
    refused.close();
    const served = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
    assert.match(await ask(served, "/"), /^HTTP\/1\.1 200/);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assert.match(await ask(served, "/"), /^HTTP\/1\.1 200/, "a served client's connection stays");
    served.close();
  } finally {
    await server.shutdown();
  }
});
