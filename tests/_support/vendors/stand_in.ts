/**
 * The common part of every vendor stand-in: a real HTTP server on 127.0.0.1 (port 0) that records
 * each request exactly as it arrived (method, path, query, headers, parsed body) and answers it
 * with the vendor handler's response. The vendor files in this folder supply the handlers, written
 * from each vendor's public API reference.
 */

/** One request as the stand-in received it. */
export interface Recorded {
  method: string;
  /** The path as sent (percent-encoding kept). */
  path: string;
  /** Query parameters in order, repeated names kept. */
  query: Array<[string, string]>;
  headers: Headers;
  /** The body parsed as JSON, else its text, else null. */
  body: unknown;
}

/** A running stand-in. */
export interface StandIn extends AsyncDisposable {
  /** `http://127.0.0.1:port` */
  origin: string;
  /** Every request so far, in arrival order. */
  requests: Recorded[];
  /** The last request received (throws when there was none). */
  last(): Recorded;
  close(): Promise<void>;
}

/** What a vendor handler gets: the recorded request and the stand-in's own origin. */
export type VendorHandler = (
  request: Recorded,
  context: { origin: string },
) => Response | Promise<Response>;

/** Starts a stand-in answering with `handler`; `await using` closes it. */
export function startStandIn(handler: VendorHandler): StandIn {
  const requests: Recorded[] = [];
  let origin = "";
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (raw) => {
    const url = new URL(raw.url);
    const text = await raw.text();
    let body: unknown = null;
    if (text !== "") {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    const recorded: Recorded = {
      method: raw.method,
      path: url.pathname,
      query: [...url.searchParams],
      headers: raw.headers,
      body,
    };
    requests.push(recorded);
    return await handler(recorded, { origin });
  });
  origin = `http://127.0.0.1:${server.addr.port}`;
  const close = () => server.shutdown();
  return {
    origin,
    requests,
    last() {
      const request = requests.at(-1);
      if (request === undefined) throw new Error("The stand-in received no request");
      return request;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** A JSON response with extra headers. */
export function json(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json;charset=UTF-8", ...headers },
  });
}

/** The query as an object (last value wins), for assertions on single-valued parameters. */
export function queryOf(request: Recorded): Record<string, string> {
  return Object.fromEntries(request.query);
}

/** `Basic base64(user:password)` as RFC 7617 defines it (UTF-8). */
export function basicAuth(user: string, password: string): string {
  const bytes = new TextEncoder().encode(`${user}:${password}`);
  return `Basic ${btoa(String.fromCharCode(...bytes))}`;
}
