import assert from "node:assert/strict";
import { createHttp1Client } from "../../lib/egress/http1.ts";
import {
  get,
  ok,
  type RawConn,
  replyEach,
  within,
  withServer,
} from "../_support/raw_http1_server.ts";

/** Asserts `promise` rejects with an Error whose message matches `pattern`. */
async function rejectsMatching(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (error) => {
    assert.ok(error instanceof Error, `expected an Error, got ${error}`);
    assert.match(error.message, pattern);
    return true;
  });
}

/** A script that writes `reply` to the first request, then keeps the connection until EOF. */
function replyThenHold(reply: string, eof?: PromiseWithResolvers<void>) {
  return async (conn: RawConn) => {
    await conn.readRequest();
    await conn.write(reply);
    await conn.untilEof();
    eof?.resolve();
  };
}

Deno.test("send() rejects with a connection refused message when nothing listens", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr;
  listener.close();
  const client = createHttp1Client();
  const url = new URL(`http://127.0.0.1:${port}/`);
  await rejectsMatching(
    client.send({ hostname: "127.0.0.1", port }, { method: "GET", url }),
    /connection refused/i,
  );
  client.close();
});

for (const [size, declared] of [["small", 10], ["streamed", 1 << 20]] as const) {
  Deno.test(`a ${size} body cut short by the server's close rejects as a closed connection`, async () => {
    const script = async (conn: RawConn) => {
      await conn.readRequest();
      await conn.write(`HTTP/1.1 200 OK\r\ncontent-length: ${declared}\r\n\r\nabc`);
      conn.close();
    };
    await withServer(script, async (server, client) => {
      const pattern = /connection closed|unexpected eof/i;
      if (size === "small") {
        // Why either: a small declared body may be read whole before send() resolves.
        const read = async () => await (await client.send(server.dial, get(server))).text();
        await rejectsMatching(read(), pattern);
      } else {
        await rejectsMatching((await client.send(server.dial, get(server))).text(), pattern);
      }
      assert.equal(client.idleCount(), 0);
    });
  });
}

Deno.test("a request dropped unanswered on a reused connection: GET is resent, POST is not", async () => {
  const script = async (conn: RawConn) => {
    if (conn.index > 0) return replyEach(() => ok("fresh"))(conn);
    await conn.readRequest();
    await conn.write(ok("first"));
    await conn.readRequest();
    conn.close();
  };
  for (const method of ["GET", "POST"]) {
    await withServer(script, async (server, client) => {
      assert.equal(await (await client.send(server.dial, get(server))).text(), "first");
      const again = get(server, "/again", { method, ...(method === "POST" ? { body: "b" } : {}) });
      const sent = () => server.requests.filter((r) => r.includes(" /again ")).length;
      if (method === "GET") {
        assert.equal(await (await client.send(server.dial, again)).text(), "fresh");
        assert.equal(sent(), 2);
      } else {
        await rejectsMatching(client.send(server.dial, again), /connection closed|unexpected eof/i);
        assert.equal(sent(), 1, "a POST the server may have acted on is not resent");
      }
    });
  }
});

const badHeads: [string, string][] = [
  ["a garbage status line", "HELLO WORLD\r\n\r\n"],
  ["a non-numeric status", "HTTP/1.1 2x0 OK\r\ncontent-length: 0\r\n\r\n"],
  [
    "conflicting content-lengths",
    "HTTP/1.1 200 OK\r\ncontent-length: 5\r\ncontent-length: 6\r\n\r\nhello!",
  ],
  ["a head larger than 64 KiB", `HTTP/1.1 200 OK\r\nx-big: ${"a".repeat(70_000)}\r\n\r\n`],
];
for (const [name, reply] of badHeads) {
  Deno.test(`send() rejects ${name} and closes the connection`, async () => {
    const eof = Promise.withResolvers<void>();
    await withServer(replyThenHold(reply, eof), async (server, client) => {
      await assert.rejects(client.send(server.dial, get(server)), Error);
      await within(eof.promise, "the server sees EOF");
      assert.equal(client.idleCount(), 0);
    });
  });
}

Deno.test("send() accepts a 32 KiB header", async () => {
  const big = "b".repeat(32 * 1024);
  await withServer(
    replyEach(() => ok("fine", `HTTP/1.1 200 OK\r\nx-big: ${big}`)),
    async (server, client) => {
      const response = await client.send(server.dial, get(server));
      assert.equal(response.headers.get("x-big"), big);
      assert.equal(await response.text(), "fine");
    },
  );
});

Deno.test("reading the body rejects on a malformed chunk size", async () => {
  const reply = "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n";
  await withServer(replyThenHold(reply), async (server, client) => {
    const response = await client.send(server.dial, get(server));
    await assert.rejects(response.text(), Error);
    assert.equal(client.idleCount(), 0);
  });
});

Deno.test("an abort before the head rejects with the signal's reason and closes the connection", async () => {
  const received = Promise.withResolvers<void>();
  const eofs: Promise<void>[] = [];
  const script = async (conn: RawConn) => {
    if ((await conn.readRequest())?.startsWith("GET /second ")) received.resolve();
    const eof = conn.untilEof();
    eofs.push(eof);
    await eof;
  };
  await withServer(script, async (server, client) => {
    const timedOut = client.send(
      server.dial,
      get(server, "/", { signal: AbortSignal.timeout(30) }),
    );
    await assert.rejects(timedOut, (error) => {
      assert.ok(error instanceof DOMException, `expected a DOMException, got ${error}`);
      assert.equal(error.name, "TimeoutError");
      return true;
    });
    const controller = new AbortController();
    const reason = new Error("x");
    const aborted = client.send(server.dial, get(server, "/second", { signal: controller.signal }));
    await within(received.promise, "the server reads the request");
    controller.abort(reason);
    await assert.rejects(aborted, (error) => error === reason);
    await within(Promise.all(eofs), "the server sees EOF");
    assert.equal(client.idleCount(), 0);
  });
});

Deno.test("an abort while a small declared body is awaited rejects with the reason", async () => {
  const eof = Promise.withResolvers<void>();
  const sent = Promise.withResolvers<void>();
  const script = async (conn: RawConn) => {
    await conn.readRequest();
    await conn.write("HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc");
    sent.resolve();
    await conn.untilEof();
    eof.resolve();
  };
  await withServer(script, async (server, client) => {
    const controller = new AbortController();
    const reason = new Error("late");
    const read = async () => {
      const request = get(server, "/", { signal: controller.signal });
      return await (await client.send(server.dial, request)).text();
    };
    const reading = read();
    await within(sent.promise, "the server sends part of the body");
    controller.abort(reason);
    await assert.rejects(reading, (error) => error === reason);
    await within(eof.promise, "the server sees EOF");
  });
});

Deno.test("an abort while a chunked body streams makes the body read reject with the reason", async () => {
  const eof = Promise.withResolvers<void>();
  const head = "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nfirst\r\n";
  await withServer(replyThenHold(head, eof), async (server, client) => {
    const controller = new AbortController();
    const request = get(server, "/", { signal: controller.signal });
    const reader = (await client.send(server.dial, request)).body!.getReader();
    assert.equal(new TextDecoder().decode((await reader.read()).value), "first");
    const reason = new Error("stop");
    controller.abort(reason);
    await assert.rejects(reader.read(), (error) => error === reason);
    await within(eof.promise, "the server sees EOF");
    assert.equal(client.idleCount(), 0);
  });
});

Deno.test("a gzip body cut short rejects as a closed connection, an abort with the reason", async () => {
  const text = crypto.randomUUID().repeat(20_000);
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  const gzip = new Uint8Array(await new Response(stream).arrayBuffer());
  const head =
    `HTTP/1.1 200 OK\r\ncontent-encoding: gzip\r\ncontent-length: ${gzip.length}\r\n\r\n`;
  const script = async (conn: RawConn) => {
    await conn.readRequest();
    await conn.write(head);
    await conn.write(gzip.subarray(0, gzip.length >> 1));
    if (conn.index === 0) conn.close();
    else await conn.untilEof();
  };
  await withServer(script, async (server, client) => {
    const cut = await client.send(server.dial, get(server));
    await rejectsMatching(cut.text(), /connection closed|unexpected eof/i);
    const controller = new AbortController();
    const request = get(server, "/", { signal: controller.signal });
    const reader = (await client.send(server.dial, request)).body!.getReader();
    await reader.read();
    const reason = new Error("stop gzip");
    controller.abort(reason);
    const drain = async () => {
      while (!(await reader.read()).done);
    };
    await assert.rejects(drain(), (error) => error === reason);
  });
});

Deno.test("an abort while a large request body is written rejects with the reason", async () => {
  const accepted = Promise.withResolvers<void>();
  const release = Promise.withResolvers<void>();
  const eof = Promise.withResolvers<void>();
  const script = async (conn: RawConn) => {
    accepted.resolve();
    // Why: not reading fills the socket buffers, so the client is still writing when it aborts.
    await release.promise;
    await conn.untilEof();
    eof.resolve();
  };
  await withServer(script, async (server, client) => {
    const controller = new AbortController();
    const body = new Uint8Array(16 << 20);
    const request = get(server, "/", { method: "POST", body, signal: controller.signal });
    const sending = client.send(server.dial, request);
    await within(accepted.promise, "the server accepts");
    await new Promise((resolve) => setTimeout(resolve, 20));
    const reason = new Error("stop writing");
    controller.abort(reason);
    await assert.rejects(sending, (error) => error === reason);
    release.resolve();
    await within(eof.promise, "the server sees EOF");
  });
});

Deno.test("send() with an already aborted signal rejects without connecting", async () => {
  await withServer(replyEach(() => ok()), async (server, client) => {
    const reason = new Error("already");
    const signal = AbortSignal.abort(reason);
    await assert.rejects(
      client.send(server.dial, get(server, "/", { signal })),
      (e) => e === reason,
    );
    assert.equal(await (await client.send(server.dial, get(server))).text(), "ok");
    assert.equal(server.accepted(), 1, "only the second send connected");
  });
});

Deno.test("a 5 MB chunked body can be read in part and cancelled", async () => {
  const chunk = new TextEncoder().encode(`10000\r\n${"y".repeat(0x10000)}\r\n`);
  const script = async (conn: RawConn) => {
    await conn.readRequest();
    await conn.write("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n");
    for (let i = 0; i < 80; i++) await conn.write(chunk);
    await conn.write("0\r\n\r\n");
  };
  await withServer(script, async (server, client) => {
    const reader = (await client.send(server.dial, get(server))).body!.getReader();
    let read = 0;
    while (read < 256 * 1024) {
      const { value, done } = await reader.read();
      assert.ok(!done, "the body ended early");
      read += value.length;
    }
    await reader.cancel();
    assert.ok(read < 80 * 0x10000);
    assert.equal(client.idleCount(), 0);
  });
});

Deno.test("close() closes idle connections and later sends open new ones", async () => {
  const eof = Promise.withResolvers<void>();
  const script = async (conn: RawConn) => {
    await replyEach(() => ok())(conn);
    if (conn.index === 0) eof.resolve();
  };
  await withServer(script, async (server, client) => {
    assert.equal(await (await client.send(server.dial, get(server))).text(), "ok");
    assert.equal(client.idleCount(), 1);
    client.close();
    assert.equal(client.idleCount(), 0);
    await within(eof.promise, "the server sees EOF");
    assert.equal(await (await client.send(server.dial, get(server))).text(), "ok");
    assert.equal(server.accepted(), 2);
  });
});

Deno.test("an idle connection is closed after idleMs", async () => {
  const eof = Promise.withResolvers<void>();
  const script = async (conn: RawConn) => {
    await replyEach(() => ok())(conn);
    eof.resolve();
  };
  await withServer(script, async (server, client) => {
    assert.equal(await (await client.send(server.dial, get(server))).text(), "ok");
    await within(eof.promise, "the server sees EOF");
    assert.equal(client.idleCount(), 0);
  }, { idleMs: 20 });
});
