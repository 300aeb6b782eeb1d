/**
 * A loopback HTTP CONNECT proxy that HTTPS requests go through: it resolves the target, judges
 * every address and dials the judged one itself, so the TLS connection (with the real host name
 * for SNI and certificate checks, done by fetch inside the tunnel) reaches the checked address.
 * Only the gateway's own client can use it: each CONNECT must carry a random token.
 */

/** Picks the address to dial for `host:port`, or throws when egress is denied. */
export type Dialer = (host: string, port: number) => Promise<string>;

/** The running proxy. */
export interface Tunnel {
  /** The proxy for `Deno.createHttpClient({ proxy })`. */
  readonly proxy: Deno.Proxy;
  /** Stops listening and cuts every open tunnel. */
  close(): void;
}

const MAX_HEAD_BYTES = 8192;

/** Starts the proxy on 127.0.0.1 (an ephemeral port). */
export function startTunnel(dial: Dialer): Tunnel {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const token = crypto.randomUUID();
  const expected = `Basic ${btoa(`nexus:${token}`)}`;
  const open = new Set<Deno.Conn>();
  let closed = false;

  async function accept(): Promise<void> {
    for await (const conn of listener) {
      open.add(conn);
      void serve(conn).catch(() => {}).finally(() => {
        open.delete(conn);
        closeQuietly(conn);
      });
    }
  }

  async function serve(conn: Deno.Conn): Promise<void> {
    const head = await readHead(conn);
    const match = head === undefined ? null : /^CONNECT (\S+):(\d+) HTTP\/1\.[01]\r\n/.exec(head);
    const auth = head === undefined ? undefined : /\r\nproxy-authorization: *([^\r]*)/i.exec(head);
    if (!match || auth?.[1] !== expected) {
      return await reply(conn, "407 Proxy Authentication Required");
    }
    let upstream: Deno.Conn;
    try {
      const address = await dial(match[1]!, Number(match[2]));
      upstream = await Deno.connect({ hostname: address, port: Number(match[2]) });
    } catch {
      return await reply(conn, "403 Forbidden");
    }
    open.add(upstream);
    try {
      await reply(conn, "200 Connection Established");
      await Promise.allSettled([
        conn.readable.pipeTo(upstream.writable),
        upstream.readable.pipeTo(conn.writable),
      ]);
    } finally {
      open.delete(upstream);
      closeQuietly(upstream);
    }
  }

  const accepting = accept().catch(() => {});
  return {
    proxy: {
      url: `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
      basicAuth: { username: "nexus", password: token },
    },
    close() {
      if (closed) return;
      closed = true;
      closeQuietly(listener);
      for (const conn of open) closeQuietly(conn);
      void accepting;
    },
  };
}

async function readHead(conn: Deno.Conn): Promise<string | undefined> {
  const buffer = new Uint8Array(MAX_HEAD_BYTES);
  let length = 0;
  while (length < MAX_HEAD_BYTES) {
    const n = await conn.read(buffer.subarray(length));
    if (n === null) return undefined;
    length += n;
    const text = new TextDecoder().decode(buffer.subarray(0, length));
    // Why safe: a client speaks only after the 200, so nothing past the head is in the buffer.
    if (text.includes("\r\n\r\n")) return text;
  }
  return undefined;
}

async function reply(conn: Deno.Conn, status: string): Promise<void> {
  const bytes = new TextEncoder().encode(`HTTP/1.1 ${status}\r\nContent-Length: 0\r\n\r\n`);
  let written = 0;
  while (written < bytes.length) written += await conn.write(bytes.subarray(written));
}

function closeQuietly(closer: { close(): void }): void {
  try {
    closer.close();
  } catch {
    // already closed
  }
}
