/**
 * One kept-alive TCP connection of {@linkcode ./http1.ts} and the pool of idle ones. An idle
 * connection keeps a read pending, as hyper does, so one the server closes leaves the pool at
 * once instead of failing the next request sent on it.
 */

import { armSharedTimeout, type SharedTimeout } from "../shared_timeout.ts";

const FIRST_BUFFER_BYTES = 4096;

/** A connection and the bytes read from it but not yet consumed (`buffer[start, end)`). */
export class Connection {
  buffer: Uint8Array<ArrayBuffer> = new Uint8Array(FIRST_BUFFER_BYTES);
  start = 0;
  end = 0;
  /** Whether a request was already answered on it (a failure may then be a stale connection). */
  reused = false;
  closed = false;
  #pending: Promise<number | null> | undefined;
  #idle: { pool: Pool; timer: SharedTimeout } | undefined;

  constructor(readonly conn: Deno.TcpConn, readonly key: string) {}

  /**
   * Reads more bytes after `end`, growing the buffer when it is full (up to `maxBytes` in all);
   * false at the end of the stream.
   * @throws TypeError when `maxBytes` would be passed; the read's own error as is.
   */
  async fill(maxBytes = Infinity): Promise<boolean> {
    if (this.start === this.end) this.start = this.end = 0;
    if (this.end === this.buffer.length) this.#makeRoom(maxBytes);
    const pending = this.#pending;
    this.#pending = undefined;
    const read = await (pending ?? this.conn.read(this.buffer.subarray(this.end)));
    if (read === null) return false;
    this.end += read;
    return true;
  }

  /** Takes `length` buffered bytes (a copy: the buffer is reused). */
  take(length: number): Uint8Array<ArrayBuffer> {
    const bytes = this.buffer.slice(this.start, this.start + length);
    this.start += length;
    return bytes;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.#leavePool();
    try {
      this.conn.close();
    } catch {
      // Why: closing a connection the peer already reset can throw; it is gone either way.
    }
  }

  /** Parks it in `pool` with a read pending; closed by `idleMs` without use or by the server. */
  park(pool: Pool, idleMs: number): void {
    this.reused = true;
    this.start = this.end = 0;
    // Why: a large answer grew the buffer; an idle connection keeps only the first size.
    if (this.buffer.length > FIRST_BUFFER_BYTES * 4) {
      this.buffer = new Uint8Array(FIRST_BUFFER_BYTES);
    }
    this.#idle = { pool, timer: armSharedTimeout(this, idleMs) };
    const pending = this.conn.read(this.buffer);
    this.#pending = pending;
    pending.then((read) => this.#idleReadEnded(pending, read), () => this.close());
  }

  /** Takes it out of its pool for a request. */
  unpark(): void {
    this.#idle?.timer.cancel();
    this.#idle = undefined;
  }

  /** The idle timeout (`armSharedTimeout`). */
  onTimeout(): void {
    this.close();
  }

  #idleReadEnded(pending: Promise<number | null>, read: number | null): void {
    // Why: once taken for a request, the pending read is that request's first read.
    if (this.#pending !== pending || this.#idle === undefined) return;
    // Why close on bytes too: nothing may arrive on an idle connection but its end.
    if (read !== null) this.end = read;
    this.close();
  }

  #leavePool(): void {
    if (this.#idle === undefined) return;
    this.#idle.timer.cancel();
    this.#idle.pool.remove(this);
    this.#idle = undefined;
  }

  #makeRoom(maxBytes: number): void {
    const used = this.end - this.start;
    if (this.start > 0) {
      this.buffer.copyWithin(0, this.start, this.end);
    } else {
      if (this.buffer.length >= maxBytes) {
        throw new TypeError("fetch failed: invalid HTTP response: head too large");
      }
      const grown = new Uint8Array(Math.min(this.buffer.length * 2, maxBytes));
      grown.set(this.buffer.subarray(0, used));
      this.buffer = grown;
    }
    this.start = 0;
    this.end = used;
  }
}

/** Idle connections per target (`address|port`), the most recently used first. */
export class Pool {
  readonly #idle = new Map<string, Connection[]>();
  #count = 0;

  constructor(readonly maxIdlePerTarget: number) {}

  get size(): number {
    return this.#count;
  }

  /** An idle connection to `key`, taken out of the pool, or undefined. */
  take(key: string): Connection | undefined {
    const list = this.#idle.get(key);
    const connection = list?.pop();
    if (connection === undefined) return undefined;
    this.#count--;
    connection.unpark();
    return connection;
  }

  /** Keeps `connection` for reuse; false when its target already has enough idle ones. */
  put(connection: Connection, idleMs: number): boolean {
    let list = this.#idle.get(connection.key);
    if (list === undefined) this.#idle.set(connection.key, list = []);
    if (list.length >= this.maxIdlePerTarget) return false;
    list.push(connection);
    this.#count++;
    connection.park(this, idleMs);
    return true;
  }

  remove(connection: Connection): void {
    const list = this.#idle.get(connection.key);
    const index = list?.indexOf(connection) ?? -1;
    if (index < 0) return;
    list!.splice(index, 1);
    this.#count--;
    if (list!.length === 0) this.#idle.delete(connection.key);
  }

  /** Closes every idle connection. */
  closeAll(): void {
    for (const list of [...this.#idle.values()]) {
      for (const connection of [...list]) connection.close();
    }
  }
}
