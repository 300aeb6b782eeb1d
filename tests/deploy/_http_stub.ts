/**
 * A raw HTTP/1.1 backend on loopback for the nginx tests: it answers its own name, streams an SSE
 * event and holds the stream open until released, or resets the connection after reading a request
 * (a gateway dying mid-call). Raw TCP, since `Deno.serve` cannot drop a connection mid-request.
 */

/** One request the stub read. */
export interface StubRequest {
  method: string;
  path: string;
}

/** A running stub; `await using` closes it and every connection. */
export interface HttpStub extends AsyncDisposable {
  port: number;
  requests: StubRequest[];
  /** Ends every held SSE stream. */
  release(): void;
  /** Stops listening and closes every connection (a killed gateway). */
  close(): Promise<void>;
}

/** Starts a stub that answers `name` on `/`, streams on `/sse` and resets on `/reset`. */
export function startHttpStub(name: string): HttpStub {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const requests: StubRequest[] = [];
  const connections = new Set<Deno.Conn>();
  const released = Promise.withResolvers<void>();
  const handlers: Promise<void>[] = [];
  const accepting = (async () => {
    for await (const conn of listener) {
      connections.add(conn);
      handlers.push(
        serve(conn).catch(() => {}).finally(() => {
          connections.delete(conn);
          try {
            conn.close();
          } catch {
            // already closed
          }
        }),
      );
    }
  })().catch(() => {});

  async function serve(conn: Deno.Conn): Promise<void> {
    const reader = createReader(conn);
    for (;;) {
      const head = await reader.until("\r\n\r\n");
      if (head === undefined) return;
      const [requestLine = "", ...headerLines] = head.split("\r\n");
      const [method = "", path = ""] = requestLine.split(" ");
      const length = Number(
        headerLines.find((l) => l.toLowerCase().startsWith("content-length:"))?.split(":")[1] ?? 0,
      );
      await reader.take(length);
      requests.push({ method, path });
      if (path === "/reset") return;
      if (path === "/sse") {
        await write(
          conn,
          "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n" +
            "Transfer-Encoding: chunked\r\n\r\n" + chunk("data: first\n\n"),
        );
        await released.promise;
        await write(conn, chunk("data: last\n\n") + "0\r\n\r\n");
        continue;
      }
      await write(conn, `HTTP/1.1 200 OK\r\nContent-Length: ${name.length}\r\n\r\n${name}`);
    }
  }

  let closed: Promise<void> | undefined;
  function close(): Promise<void> {
    closed ??= (async () => {
      listener.close();
      released.resolve();
      for (const conn of connections) {
        try {
          conn.close();
        } catch {
          // already closed
        }
      }
      await accepting;
      await Promise.all(handlers);
    })();
    return closed;
  }
  return {
    port: (listener.addr as Deno.NetAddr).port,
    requests,
    release: () => released.resolve(),
    close,
    [Symbol.asyncDispose]: close,
  };
}

function chunk(text: string): string {
  return `${new TextEncoder().encode(text).length.toString(16)}\r\n${text}\r\n`;
}

async function write(conn: Deno.Conn, text: string): Promise<void> {
  const bytes = new TextEncoder().encode(text);
  let written = 0;
  while (written < bytes.length) written += await conn.write(bytes.subarray(written));
}

function createReader(conn: Deno.Conn) {
  let buffer = new Uint8Array(0);
  async function fill(): Promise<boolean> {
    const chunk = new Uint8Array(16384);
    const n = await conn.read(chunk);
    if (n === null) return false;
    const next = new Uint8Array(buffer.length + n);
    next.set(buffer);
    next.set(chunk.subarray(0, n), buffer.length);
    buffer = next;
    return true;
  }
  return {
    async until(marker: string): Promise<string | undefined> {
      for (;;) {
        const text = new TextDecoder().decode(buffer);
        const at = text.indexOf(marker);
        if (at >= 0) {
          const head = text.slice(0, at);
          buffer = buffer.subarray(
            new TextEncoder().encode(text.slice(0, at + marker.length)).length,
          );
          return head;
        }
        if (!(await fill())) return undefined;
      }
    },
    async take(length: number): Promise<void> {
      while (buffer.length < length) if (!(await fill())) return;
      buffer = buffer.subarray(length);
    },
  };
}
