/**
 * Response bodies of {@linkcode ./http1.ts}: how long one is (RFC 9112 §6.3), and the stream that
 * reads it off its connection: by length, chunked, or to the connection's end.
 */

import type { Connection } from "./http1_conn.ts";
import { invalid, namesClose, type ResponseHead } from "./http1_wire.ts";

/** How a body is delimited; `reusable` is whether its connection may carry another request. */
export type Framing =
  | { kind: "none"; reusable: boolean }
  | { kind: "length"; length: number; reusable: boolean }
  | { kind: "chunked"; reusable: boolean }
  | { kind: "close"; reusable: false };

const MAX_CHUNK_LINE = 4096;
const CHUNK_SIZE = /^([0-9a-fA-F]{1,12})[ \t]*(?:;.*)?$/;

/**
 * The framing of `head`'s body, answering `method`.
 * @throws TypeError for an invalid or conflicting `content-length`.
 */
export function framingOf(head: ResponseHead, method: string, requestClose: boolean): Framing {
  let lengths: string[] | undefined;
  let coding: string | undefined;
  let close = requestClose || !head.http11;
  for (const [name, value] of head.fields) {
    if (name === "content-length") (lengths ??= []).push(...value.split(","));
    else if (name === "transfer-encoding") coding = value;
    else if (name === "connection" && namesClose(value)) close = true;
  }
  const status = head.status;
  if (method === "HEAD" || status === 204 || status === 304) {
    return { kind: "none", reusable: !close };
  }
  if (coding !== undefined) {
    const last = coding.split(",").at(-1)!.trim().toLowerCase();
    if (last !== "chunked") return { kind: "close", reusable: false };
    // Why not reusable with a length too: the two disagreeing is how requests are smuggled.
    return { kind: "chunked", reusable: !close && lengths === undefined };
  }
  if (lengths === undefined) return { kind: "close", reusable: false };
  const values = new Set(lengths.map((text) => text.trim()));
  const [only] = values;
  if (values.size !== 1 || !/^\d{1,15}$/.test(only!)) throw invalid("bad content-length");
  return { kind: "length", length: Number(only), reusable: !close };
}

/** What a body stream reports when it has ended. */
export interface BodyEnd {
  /** The body was read to its end: `reusable` says whether the connection may be kept. */
  done(reusable: boolean): void;
  /** Reading failed or was cancelled; the connection must be closed. `reason` is the error. */
  failed(reason: unknown): unknown;
}

/** The body as a stream pulling from `connection`; `end` hears how it ended. */
export function bodyStream(
  connection: Connection,
  framing: Exclude<Framing, { kind: "none" }>,
  end: BodyEnd,
): ReadableStream<Uint8Array<ArrayBuffer>> {
  const reader = framing.kind === "chunked"
    ? new ChunkedReader(connection)
    : new PlainReader(connection, framing.kind === "length" ? framing.length : Infinity);
  return new ReadableStream<Uint8Array<ArrayBuffer>>({
    async pull(controller) {
      try {
        const chunk = await reader.next();
        if (chunk === null) {
          controller.close();
          end.done(framing.reusable);
          return;
        }
        controller.enqueue(chunk);
      } catch (error) {
        throw end.failed(error);
      }
    },
    cancel(reason) {
      end.failed(reason);
    },
  }, { highWaterMark: 0 });
}

/** A body of `length` bytes, or (Infinity) up to the connection's end. */
class PlainReader {
  constructor(readonly connection: Connection, public remaining: number) {}

  async next(): Promise<Uint8Array<ArrayBuffer> | null> {
    if (this.remaining === 0) return null;
    const connection = this.connection;
    if (connection.start === connection.end && !(await connection.fill())) {
      if (this.remaining === Infinity) return null;
      throw closedEarly();
    }
    const length = Math.min(this.remaining, connection.end - connection.start);
    this.remaining -= length;
    return connection.take(length);
  }
}

/** A chunked body (RFC 9112 §7.1): sizes, data, then trailer fields, which are dropped. */
class ChunkedReader {
  #left = 0;
  #ended = false;

  constructor(readonly connection: Connection) {}

  async next(): Promise<Uint8Array<ArrayBuffer> | null> {
    if (this.#ended) return null;
    const connection = this.connection;
    if (this.#left === 0) {
      const size = CHUNK_SIZE.exec(await this.#line());
      if (size === null) throw invalid("bad chunk size");
      this.#left = parseInt(size[1]!, 16);
      if (this.#left === 0) {
        while ((await this.#line()) !== "");
        this.#ended = true;
        return null;
      }
    }
    if (connection.start === connection.end && !(await connection.fill())) throw closedEarly();
    const length = Math.min(this.#left, connection.end - connection.start);
    this.#left -= length;
    const chunk = connection.take(length);
    if (this.#left === 0 && (await this.#line()) !== "") throw invalid("bad chunk end");
    return chunk;
  }

  /** The next line, without its line end. */
  async #line(): Promise<string> {
    const connection = this.connection;
    for (;;) {
      const { buffer, start, end } = connection;
      const at = buffer.subarray(start, end).indexOf(10);
      if (at >= 0) {
        const line = connection.take(at + 1);
        const text = String.fromCharCode.apply(null, line as unknown as number[]);
        return text.replace(/\r?\n$/, "");
      }
      if (end - start > MAX_CHUNK_LINE) throw invalid("chunk line too long");
      if (!(await connection.fill())) throw closedEarly();
    }
  }
}

/** A body that ended before its framing said it would. */
export function closedEarly(): TypeError {
  return new TypeError("fetch failed: connection closed before the message completed");
}
