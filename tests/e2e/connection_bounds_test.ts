/**
 * Connection bounds of the real gateway, over raw sockets: a request head sent one byte a second,
 * a partial body and an idle keep-alive connection are each closed within their configured
 * timeout, and while stalled clients are cut off another client's calls go through on time.
 */

import assert from "node:assert/strict";
import { createGatewayToolsDir, type Gateway, startGateway } from "../_support/gateway.ts";

const HEADER_MS = 1000;
const BODY_MS = 1000;
const IDLE_MS = 1500;
/**
 * The sweep runs every tenth of the shortest timeout; the rest is scheduling on a busy 2-core host
 * running the suite in parallel. Generous on purpose: what is proved is "closed, near the
 * deadline", against the old code's "never closed".
 */
const SLACK_MS = 2500;

const TIMEOUT_ENV = {
  NEXUS_HEADER_TIMEOUT_MS: String(HEADER_MS),
  NEXUS_BODY_TIMEOUT_MS: String(BODY_MS),
  NEXUS_IDLE_TIMEOUT_MS: String(IDLE_MS),
};

const encoder = new TextEncoder();

/** A raw TCP client of `gateway` that records what it reads and when the server closed. */
async function rawClient(gateway: Gateway) {
  const { hostname, port } = new URL(gateway.url);
  const conn = await Deno.connect({ hostname, port: Number(port) });
  const openedAt = performance.now();
  let text = "";
  const closedAt = (async () => {
    const buffer = new Uint8Array(16 * 1024);
    const decoder = new TextDecoder();
    while (true) {
      const read = await conn.read(buffer).catch(() => null);
      if (read === null) return performance.now();
      text += decoder.decode(buffer.subarray(0, read));
    }
  })();
  return {
    conn,
    openedAt,
    closedAt,
    received: () => text,
    write: (value: string) => conn.write(encoder.encode(value)),
    /** Milliseconds from `since` to the server's close, or undefined when still open at `maxMs`. */
    async closedWithin(since: number, maxMs: number): Promise<number | undefined> {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), maxMs);
      });
      const at = await Promise.race([closedAt, timeout]);
      clearTimeout(timer);
      return at === undefined ? undefined : at - since;
    },
    [Symbol.dispose]: () => {
      try {
        conn.close();
      } catch {
        // Why: the server may have closed it first.
      }
    },
  };
}

/** Sends `text` one byte per `intervalMs` until stopped or the socket fails. */
function dribble(client: Awaited<ReturnType<typeof rawClient>>, text: string, intervalMs: number) {
  let index = 0;
  const timer = setInterval(() => {
    if (index >= text.length) return clearInterval(timer);
    client.write(text[index++]!).catch(() => clearInterval(timer));
  }, intervalMs);
  return () => clearInterval(timer);
}

const SLOW_HEAD = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + "a".repeat(100);

Deno.test("gateway closes connections that stall: head, body, idle keep-alive", async (t) => {
  await using tools = await createGatewayToolsDir();
  await using gateway = await startGateway({ toolsDir: tools.dir, env: TIMEOUT_ENV });

  await t.step("a head sent one byte per second is closed within the header timeout", async () => {
    using client = await rawClient(gateway);
    const stop = dribble(client, SLOW_HEAD, 1000);
    const elapsed = await client.closedWithin(client.openedAt, HEADER_MS + SLACK_MS + 5000);
    stop();
    assert.ok(elapsed !== undefined, "connection still open 5 s past the header timeout");
    assert.ok(elapsed >= HEADER_MS - 50, `closed too early: ${elapsed} ms`);
    assert.ok(elapsed <= HEADER_MS + SLACK_MS, `closed after ${elapsed} ms`);
  });

  await t.step("a partial body gets 408 and is cut off within the body timeout", async () => {
    using client = await rawClient(gateway);
    await client.write(
      "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
        'Accept: application/json, text/event-stream\r\nContent-Length: 200\r\n\r\n{"jsonrpc":',
    );
    const sentAt = performance.now();
    const elapsed = await client.closedWithin(sentAt, BODY_MS + SLACK_MS + 5000);
    assert.ok(
      elapsed !== undefined,
      `connection still open 5 s past the body timeout: ${client.received()}`,
    );
    assert.ok(elapsed >= BODY_MS - 50, `closed too early: ${elapsed} ms`);
    assert.ok(elapsed <= BODY_MS + SLACK_MS, `closed after ${elapsed} ms`);
    assert.match(client.received(), /^HTTP\/1\.1 408 /);
    assert.match(client.received(), /not received within 1000 ms/);
  });

  await t.step("an idle keep-alive connection is closed after the idle timeout", async () => {
    using client = await rawClient(gateway);
    await client.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    const answered = Date.now();
    while (!client.received().includes('"status":"ok"')) {
      assert.ok(Date.now() - answered < 5000, "no answer to a complete request");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const idleSince = performance.now();
    const elapsed = await client.closedWithin(idleSince, IDLE_MS + SLACK_MS + 5000);
    assert.ok(elapsed !== undefined, "connection still open 5 s past the idle timeout");
    assert.ok(elapsed >= IDLE_MS - 100, `closed before the idle timeout: ${elapsed} ms`);
    assert.ok(elapsed <= IDLE_MS + SLACK_MS, `closed after ${elapsed} ms`);
  });
});

Deno.test("stalled clients are cut off while another client's calls go through", async () => {
  await using tools = await createGatewayToolsDir();
  await using gateway = await startGateway({ toolsDir: tools.dir, env: TIMEOUT_ENV });
  const stalled = await Promise.all(Array.from({ length: 20 }, () => rawClient(gateway)));
  const stops = stalled.map((client, index) =>
    index % 2 === 0 ? dribble(client, SLOW_HEAD, 1000) : (client.write(
      "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
        "Content-Length: 500\r\n\r\n{",
    ),
      () => {})
  );
  // Another client keeps one keep-alive connection busy across the stalled clients' deadlines.
  using busy = await rawClient(gateway);
  const latencies: number[] = [];
  const until = performance.now() + HEADER_MS + BODY_MS + SLACK_MS;
  let answers = 0;
  while (performance.now() < until) {
    const started = performance.now();
    await busy.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    while (busy.received().split('"status":"ok"').length - 1 === answers) {
      assert.ok(performance.now() - started < 5000, "a call on the busy connection stalled");
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    answers++;
    latencies.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const closed = await Promise.all(stalled.map((client) => client.closedWithin(0, 1)));
  stops.forEach((stop) => stop());
  stalled.forEach((client) => client[Symbol.dispose]());
  assert.deepEqual(closed.filter((at) => at === undefined).length, 0, "a stalled client is open");
  assert.ok(answers >= 10, `only ${answers} answers`);
  assert.ok(Math.max(...latencies) < 500, `slowest call took ${Math.max(...latencies)} ms`);
  assert.equal(await busy.closedWithin(0, 1), undefined, "the busy connection was closed");
});
