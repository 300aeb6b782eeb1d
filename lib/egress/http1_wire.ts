/**
 * HTTP/1.1 message text for {@linkcode ./http1.ts}: the request head written to the connection and
 * the response head read from it (RFC 9112), both as bytes, one character per byte.
 */

/** What a request head is built from. */
export interface RequestHeadParts {
  method: string;
  url: URL;
  headers: Headers | undefined;
  /** The body's length in bytes, or undefined for none. */
  bodyLength: number | undefined;
}

/** A parsed response head. */
export interface ResponseHead {
  status: number;
  statusText: string;
  /** `HTTP/1.1` (an `HTTP/1.0` answer closes its connection). */
  http11: boolean;
  /** Header fields in order, names lower-cased. */
  fields: Array<[string, string]>;
}

const USER_AGENT = `Deno/${Deno.version.deno}`;
const METHODS_WITH_BODY = new Set(["POST", "PUT", "PATCH"]);
const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: ([^\r\n]*))?$/;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const encoder = new TextEncoder();

/**
 * The request head: request line, `host` (the URL's), the caller's fields, then the defaults
 * fetch adds when absent (`accept`, `accept-language`, `user-agent`, `accept-encoding`), and
 * `content-length` from the body. The caller's `host`, `content-length` and `transfer-encoding`
 * are dropped: the target and the body framing are ours.
 */
export function requestHead(parts: RequestHeadParts): { text: string; close: boolean } {
  let fields = "";
  let accept = false;
  let language = false;
  let userAgent = false;
  let encoding = false;
  let close = false;
  // Why forEach: a `for … of` over `Headers` goes through WebIDL's iterator (about 1 µs a request,
  // four times what forEach costs on Deno 2.9).
  parts.headers?.forEach((value, name) => {
    // Why `host` too: fetch sends the URL's host whatever the caller set, and so do we.
    if (name === "content-length" || name === "transfer-encoding" || name === "host") return;
    if (name === "accept") accept = true;
    else if (name === "accept-language") language = true;
    else if (name === "user-agent") userAgent = true;
    else if (name === "accept-encoding") encoding = true;
    else if (name === "connection") close = namesClose(value);
    fields += `${name}: ${value}\r\n`;
  });
  if (!accept) fields += "accept: */*\r\n";
  if (!language) fields += "accept-language: *\r\n";
  if (!userAgent) fields += `user-agent: ${USER_AGENT}\r\n`;
  // Why not br: DecompressionStream has no Brotli; gzip and deflate are decoded (http1_body.ts).
  if (!encoding) fields += "accept-encoding: gzip, deflate\r\n";
  const length = parts.bodyLength ??
    (METHODS_WITH_BODY.has(parts.method) ? 0 : undefined);
  if (length !== undefined) fields += `content-length: ${length}\r\n`;
  const target = `${parts.url.pathname || "/"}${parts.url.search}`;
  const text = `${parts.method} ${target} HTTP/1.1\r\nhost: ${parts.url.host}\r\n${fields}\r\n`;
  return { text, close };
}

/**
 * The head's bytes followed by the body's. Why one buffer: one write (one syscall) per request.
 * Why byte per character: header values are byte strings (`Headers` refuses anything else), and
 * a value past U+007F must go out as that one byte, not as UTF-8.
 */
export function requestBytes(head: string, body: Uint8Array | undefined): Uint8Array {
  const headLength = head.length;
  const out = new Uint8Array(headLength + (body?.byteLength ?? 0));
  // Why: ASCII (nearly every head) is as many UTF-8 bytes as characters; otherwise byte by byte.
  if (encoder.encodeInto(head, out.subarray(0, headLength)).written !== headLength) {
    for (let index = 0; index < headLength; index++) out[index] = head.charCodeAt(index);
  }
  if (body !== undefined) out.set(body, headLength);
  return out;
}

/**
 * Where the head in `bytes[from, to)` ends (the index after its blank line), or -1 while it is
 * incomplete. Bare LF line ends are accepted, as RFC 9112 §2.2 lets a recipient do.
 */
export function headEnd(bytes: Uint8Array, from: number, to: number): number {
  for (let index = bytes.indexOf(10, from); index >= 0 && index < to;) {
    if (bytes[index + 1] === 10 && index + 1 < to) return index + 2;
    if (bytes[index + 1] === 13 && bytes[index + 2] === 10 && index + 2 < to) return index + 3;
    index = bytes.indexOf(10, index + 1);
  }
  return -1;
}

/** The head's text, one character per byte. */
export function latin1(bytes: Uint8Array, from: number, to: number): string {
  let text = "";
  for (let start = from; start < to; start += 8192) {
    const end = Math.min(to, start + 8192);
    text += String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
  }
  return text;
}

/**
 * Parses a response head (status line and fields, without the blank line).
 * @throws TypeError for a malformed status line or field, or a folded field (RFC 9112 §5.2).
 */
export function parseResponseHead(text: string): ResponseHead {
  const lines = text.split(/\r?\n/);
  const status = STATUS_LINE.exec(lines[0] ?? "");
  if (status === null) throw invalid("malformed status line");
  const fields: Array<[string, string]> = [];
  for (let index = 1; index < lines.length; index++) {
    const line = lines[index]!;
    if (line === "") continue;
    const colon = line.indexOf(":");
    const name = line.slice(0, colon);
    // Why the name alone through a pattern: a value is any bytes; a folded line starts blank.
    if (colon <= 0 || !TOKEN.test(name)) throw invalid("malformed header field");
    fields.push([name.toLowerCase(), trimBlanks(line, colon + 1)]);
  }
  return {
    status: Number(status[2]),
    statusText: status[3] ?? "",
    http11: status[1] === "1",
    fields,
  };
}

/** `line` from `from` without the spaces and tabs around it (RFC 9110 §5.5's OWS). */
function trimBlanks(line: string, from: number): string {
  let start = from;
  let end = line.length;
  while (start < end && (line[start] === " " || line[start] === "\t")) start++;
  while (end > start && (line[end - 1] === " " || line[end - 1] === "\t")) end--;
  return line.slice(start, end);
}

/** Whether a `Connection` field's value lists `close` (either side ends the connection then). */
export function namesClose(value: string): boolean {
  return CLOSE_OPTION.test(value);
}

const CLOSE_OPTION = /(^|,)\s*close\s*(,|$)/i;

/** The error for an answer that is not HTTP/1.1, worded as fetch words a broken message. */
export function invalid(what: string): TypeError {
  return new TypeError(`fetch failed: invalid HTTP response: ${what}`);
}
