import assert from "node:assert/strict";
import type { Http1Request } from "../../lib/egress/http1.ts";
import { get, ok, type RawConn, replyEach, withServer } from "../_support/raw_http1_server.ts";

/** The request line, the header lines (lowercased names, sorted) and the body of one request. */
function parse(request: string | undefined): { line: string; headers: string[]; body: string } {
  assert.ok(request !== undefined, "the server read no such request");
  const [head = "", body = ""] = request.split("\r\n\r\n");
  const [line = "", ...fields] = head.split("\r\n");
  const headers = fields.map((field) => {
    const colon = field.indexOf(":");
    return `${field.slice(0, colon).toLowerCase()}: ${field.slice(colon + 1).trim()}`;
  });
  return { line, headers: headers.sort(), body };
}

const agent = `user-agent: Deno/${Deno.version.deno}`;

Deno.test("send() writes the request line, host with its port and fetch's default headers", async () => {
  await withServer(replyEach(() => ok()), async (server, client) => {
    const response = await client.send(server.dial, get(server, "/a/b?c=1&d=%20"));
    assert.equal(await response.text(), "ok");
    assert.deepEqual(parse(server.requests[0]), {
      line: "GET /a/b?c=1&d=%20 HTTP/1.1",
      headers: [
        "accept-encoding: gzip, deflate",
        "accept-language: *",
        "accept: */*",
        `host: 127.0.0.1:${server.dial.port}`,
        agent,
      ],
      body: "",
    });
  });
});

Deno.test("send() keeps the caller's headers but not its host, adding defaults only when absent", async () => {
  await withServer(replyEach(() => ok()), async (server, client) => {
    const headers = new Headers({ accept: "application/json", "user-agent": "nexus", "x-a": "1" });
    for (const url of ["http://api.test/v1", "http://api.test:8080/v1"]) {
      await (await client.send(server.dial, { method: "GET", url: new URL(url), headers })).text();
    }
    headers.set("host", "override.test");
    headers.set("accept-encoding", "identity");
    const url = new URL("http://api.test/v2?q");
    await (await client.send(server.dial, { method: "DELETE", url, headers })).text();
    const caller = ["accept: application/json", "user-agent: nexus", "x-a: 1"];
    const language = "accept-language: *";
    const [withoutPort, withPort, overridden] = server.requests.map(parse);
    assert.deepEqual(withoutPort, {
      line: "GET /v1 HTTP/1.1",
      headers: [
        "accept-encoding: gzip, deflate",
        language,
        caller[0],
        "host: api.test",
        ...caller.slice(1),
      ],
      body: "",
    });
    assert.ok(withPort?.headers.includes("host: api.test:8080"), withPort?.headers.join("|"));
    assert.deepEqual(overridden, {
      line: "DELETE /v2?q HTTP/1.1",
      headers: [
        "accept-encoding: identity",
        language,
        caller[0],
        "host: api.test",
        ...caller.slice(1),
      ],
      body: "",
    });
  });
});

Deno.test("send() frames a body with content-length and drops the caller's framing headers", async () => {
  await withServer(replyEach(() => ok()), async (server, client) => {
    const framing = new Headers({ "content-length": "999", "transfer-encoding": "chunked" });
    const sends: Partial<Http1Request>[] = [
      { method: "POST", body: "héllo", headers: framing },
      { method: "PUT", body: new TextEncoder().encode("bytes") },
      { method: "POST" },
      { method: "PUT" },
      { method: "PATCH" },
      { method: "GET" },
    ];
    for (const init of sends) await (await client.send(server.dial, get(server, "/", init))).text();
    const [post, put, ...empty] = server.requests.map(parse);
    assert.ok(post?.headers.includes("content-length: 6"), post?.headers.join("|"));
    assert.ok(!post?.headers.some((h) => h.startsWith("transfer-encoding")));
    assert.equal(post?.body, "héllo");
    assert.ok(put?.headers.includes("content-length: 5"));
    assert.equal(put?.body, "bytes");
    const lengths = empty.map((r) => r.headers.filter((h) => h.startsWith("content-length")));
    assert.deepEqual(lengths, [["content-length: 0"], ["content-length: 0"], [
      "content-length: 0",
    ], []]);
    assert.equal(server.accepted(), 1);
  });
});

Deno.test("send() returns status, status text, repeated set-cookie and case-insensitive headers", async () => {
  const replies = [
    "HTTP/1.1 201 Created\r\nSet-Cookie: a=1\r\nSET-COOKIE: b=2\r\nX-Mixed-Case: yes\r\n" +
    "Content-Length: 5\r\n\r\nhello",
    ok("no", "HTTP/1.1 418 I'm a teapot"),
  ];
  await withServer(replyEach((_, n) => replies[n]!), async (server, client) => {
    const created = await client.send(server.dial, get(server));
    assert.deepEqual([created.status, created.statusText, created.ok], [201, "Created", true]);
    assert.deepEqual(created.headers.getSetCookie(), ["a=1", "b=2"]);
    assert.equal(created.headers.get("x-mixed-case"), "yes");
    assert.equal(created.headers.get("CONTENT-LENGTH"), "5");
    assert.equal(await created.text(), "hello");
    const teapot = await client.send(server.dial, get(server));
    assert.deepEqual([teapot.status, teapot.statusText, teapot.ok], [418, "I'm a teapot", false]);
    assert.equal(await teapot.text(), "no");
  });
});

Deno.test("send() accepts a status line without reason and trims header whitespace", async () => {
  const replies = [
    "HTTP/1.1 200\r\nx-a:   spaced \t\r\ncontent-length: 2\r\n\r\nok",
    ok("", "HTTP/1.1 202 "),
  ];
  await withServer(replyEach((_, n) => replies[n]!), async (server, client) => {
    const bare = await client.send(server.dial, get(server));
    assert.deepEqual([bare.status, bare.statusText, bare.headers.get("x-a")], [200, "", "spaced"]);
    assert.equal(await bare.text(), "ok");
    const empty = await client.send(server.dial, get(server));
    assert.deepEqual([empty.status, empty.statusText, await empty.text()], [202, "", ""]);
  });
});

Deno.test("send() does not reuse a connection with bytes after the answer", async () => {
  await withServer(
    replyEach((_, n) => ok(`r${n}`) + (n === 0 ? "HTTP/1.1 200 OK\r\n" : "")),
    async (server, client) => {
      assert.equal(await (await client.send(server.dial, get(server))).text(), "r0");
      assert.equal(client.idleCount(), 0);
      assert.equal(await (await client.send(server.dial, get(server))).text(), "r1");
      assert.equal(server.accepted(), 2);
    },
  );
});

Deno.test("an abort after the answer was read leaves the idle connection alone", async () => {
  await withServer(replyEach((_, n) => ok(`r${n}`)), async (server, client) => {
    const controller = new AbortController();
    const request = get(server, "/", { signal: controller.signal });
    assert.equal(await (await client.send(server.dial, request)).text(), "r0");
    controller.abort();
    assert.equal(client.idleCount(), 1);
    assert.equal(await (await client.send(server.dial, get(server))).text(), "r1");
    assert.equal(server.accepted(), 1);
  });
});

Deno.test("send() decodes a chunked body with extensions and trailers, split or whole", async () => {
  const chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
    "5;name=value\r\nhello\r\n7\r\n, world\r\nA;x\r\n0123456789\r\n0\r\nx-trailer: t\r\n\r\n";
  let n = 0;
  const script = async (conn: RawConn) => {
    while (await conn.readRequest() !== null) {
      const reply = [chunked, chunked, ok("next")][n++]!;
      await (n === 1 ? conn.writeBytewise(reply) : conn.write(reply));
    }
  };
  await withServer(script, async (server, client) => {
    for (const split of ["byte by byte", "in one write"]) {
      const response = await client.send(server.dial, get(server));
      assert.equal(await response.text(), "hello, world0123456789", split);
      assert.equal(client.idleCount(), 1, `idle once the body ended, ${split}`);
    }
    // Why: reusing the connection without consuming the trailers would misread this response.
    assert.equal(await (await client.send(server.dial, get(server))).text(), "next");
    assert.equal(server.accepted(), 1);
  });
});

Deno.test("send() reads a close-delimited body until the server closes", async () => {
  const script = async (conn: RawConn) => {
    await conn.readRequest();
    await conn.write("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nuntil ");
    await conn.write("close");
    conn.close();
  };
  await withServer(script, async (server, client) => {
    const response = await client.send(server.dial, get(server));
    assert.equal(await response.text(), "until close");
    assert.equal(client.idleCount(), 0);
  });
});

Deno.test("send() gives 204, 304 and HEAD an empty body despite a declared length", async () => {
  const replies = [
    "HTTP/1.1 204 No Content\r\ncontent-length: 5\r\n\r\n",
    "HTTP/1.1 304 Not Modified\r\ncontent-length: 5\r\n\r\n",
    "HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n",
    ok("after"),
  ];
  await withServer(replyEach((_, n) => replies[n]!), async (server, client) => {
    for (const method of ["GET", "GET", "HEAD"]) {
      const response = await client.send(server.dial, get(server, "/", { method }));
      assert.equal(await response.text(), "", `${method} ${response.status}`);
    }
    assert.equal(await (await client.send(server.dial, get(server))).text(), "after");
    assert.equal(server.accepted(), 1, "no body bytes were expected after those heads");
  });
});

Deno.test("send() skips 100 and 103 interim heads before the final one", async () => {
  const reply = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: </a.css>\r\n\r\n" +
    "HTTP/1.1 200 OK\r\nx-final: 1\r\ncontent-length: 5\r\n\r\nfinal";
  await withServer(replyEach(() => reply), async (server, client) => {
    const response = await client.send(server.dial, get(server));
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("x-final"), "1");
    assert.equal(response.headers.get("link"), null);
    assert.equal(await response.text(), "final");
  });
});

Deno.test("send() decodes gzip and deflate bodies and keeps content-encoding as fetch does", async () => {
  const text = "compressed ".repeat(50);
  const encoded: Uint8Array[] = [];
  for (const format of ["gzip", "deflate"] as const) {
    const stream = new Blob([text]).stream().pipeThrough(new CompressionStream(format));
    const body = new Uint8Array(await new Response(stream).arrayBuffer());
    const head =
      `HTTP/1.1 200 OK\r\ncontent-encoding: ${format}\r\ncontent-length: ${body.length}\r\n\r\n`;
    encoded.push(new Uint8Array([...new TextEncoder().encode(head), ...body]));
  }
  await withServer(replyEach((_, n) => encoded[n]!), async (server, client) => {
    for (const format of ["gzip", "deflate"]) {
      const response = await client.send(server.dial, get(server));
      assert.equal(response.headers.get("content-encoding"), format);
      assert.equal(await response.text(), text, format);
    }
  });
});

Deno.test("send() reuses one connection for sequential requests and holds it idle after", async () => {
  await withServer(replyEach((_, n) => ok(`r${n}`)), async (server, client) => {
    assert.equal(await (await client.send(server.dial, get(server))).text(), "r0");
    assert.equal(client.idleCount(), 1);
    assert.equal(await (await client.send(server.dial, get(server))).text(), "r1");
    assert.equal(client.idleCount(), 1);
    assert.equal(server.accepted(), 1);
  });
});

Deno.test("send() reads large chunked and length bodies whole and reuses the connection", async () => {
  const part = "q".repeat(300_000);
  const chunk = `${part.length.toString(16)}\r\n${part}\r\n`;
  const chunked = `HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n${
    chunk.repeat(4)
  }0\r\n\r\n`;
  const replies = [chunked, ok("L".repeat(5 << 20)), ok("end")];
  await withServer(replyEach((_, n) => replies[n]!), async (server, client) => {
    assert.equal((await (await client.send(server.dial, get(server))).text()).length, 1_200_000);
    const length = (await (await client.send(server.dial, get(server))).arrayBuffer()).byteLength;
    assert.equal(length, 5 << 20);
    assert.equal(await (await client.send(server.dial, get(server))).text(), "end");
    assert.equal(server.accepted(), 1);
  });
});

const notReusable: [string, string][] = [
  ["connection: close", "HTTP/1.1 200 OK\r\nConnection: close\r\ncontent-length: 2\r\n\r\nok"],
  ["an HTTP/1.0 response", "HTTP/1.0 200 OK\r\ncontent-length: 2\r\n\r\nok"],
  [
    "both transfer-encoding and content-length",
    "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ncontent-length: 50\r\n\r\n2\r\nok\r\n0\r\n\r\n",
  ],
];
for (const [name, reply] of notReusable) {
  Deno.test(`send() does not reuse a connection after ${name}`, async () => {
    const script = async (conn: RawConn) => {
      if (conn.index > 0) return replyEach(() => ok("next"))(conn);
      await conn.readRequest();
      await conn.write(reply);
      // Why: the server keeps its end open, so only the client's own decision can end it.
      await conn.untilEof();
    };
    await withServer(script, async (server, client) => {
      assert.equal(await (await client.send(server.dial, get(server))).text(), "ok");
      assert.equal(client.idleCount(), 0);
      assert.equal(await (await client.send(server.dial, get(server))).text(), "next");
      assert.equal(server.accepted(), 2);
      assert.equal(server.requests.length, 2);
    });
  });
}

Deno.test("send() opens a connection per concurrent request; maxIdlePerTarget caps the pool", async () => {
  const options = { maxIdlePerTarget: 2 };
  await withServer(replyEach(() => ok()), async (server, client) => {
    const responses = await Promise.all([1, 2, 3].map(() => client.send(server.dial, get(server))));
    assert.deepEqual(await Promise.all(responses.map((r) => r.text())), ["ok", "ok", "ok"]);
    assert.equal(server.accepted(), 3);
    assert.equal(client.idleCount(), 2);
  }, options);
});

Deno.test("send() does not reuse a connection whose body was cancelled before its end", async () => {
  const big = "x".repeat(256 * 1024);
  await withServer(replyEach(() => ok(big)), async (server, client) => {
    const response = await client.send(server.dial, get(server));
    const reader = response.body!.getReader();
    assert.ok(((await reader.read()).value?.length ?? 0) > 0);
    await reader.cancel();
    assert.equal(client.idleCount(), 0);
    assert.equal((await (await client.send(server.dial, get(server))).text()).length, big.length);
    assert.equal(server.accepted(), 2);
    assert.equal(client.idleCount(), 1, "a streamed body read to its end frees its connection");
  });
});

for (const method of ["GET", "POST"]) {
  Deno.test(`send() ${method} succeeds on a new connection when the server closed the idle one`, async () => {
    const closed = Promise.withResolvers<void>();
    const script = async (conn: RawConn) => {
      if (conn.index > 0) return replyEach(() => ok("fresh"))(conn);
      await conn.readRequest();
      await conn.write(ok("first"));
      conn.close();
      closed.resolve();
    };
    await withServer(script, async (server, client) => {
      assert.equal(await (await client.send(server.dial, get(server))).text(), "first");
      await closed.promise;
      // Why: the scenario is a connection closed while idle, so give the close time to arrive;
      // one closed just as a request goes out is the "dropped unanswered" test's.
      await new Promise((resolve) => setTimeout(resolve, 20));
      const again = get(server, "/again", method === "POST" ? { method, body: "once" } : {});
      assert.equal(await (await client.send(server.dial, again)).text(), "fresh");
      assert.equal(server.accepted(), 2);
      assert.equal(server.requests.length, 2);
      assert.equal(server.requests.filter((r) => r.includes(" /again ")).length, 1, "sent once");
    });
  });
}
