/**
 * The egress-checked fetch: resolves the host, judges every address, connects to a judged
 * address and judges again at every redirect (followed here, never by the runtime).
 *
 * Why this design: Deno's fetch has no resolver hook. Plain HTTP goes through a
 * `Deno.HttpClient` whose `tcp` transport is pinned to the judged address (the URL, Host header
 * and path are unchanged). HTTPS goes through the loopback CONNECT proxy of `tunnel.ts`, which
 * resolves, judges and dials itself; fetch runs TLS inside the tunnel with the real host name.
 * Either way the address connected to is the address judged: DNS rebinding between the check
 * and the connection cannot move the request.
 */

import { BoundedMap } from "../bounded_map.ts";
import { GatewayError } from "../errors.ts";
import { formatIp, type IpAddress, parseIp } from "./address.ts";
import type { Http1Client } from "./http1.ts";
import type { EgressPolicy } from "./policy.ts";
import type { Resolver } from "./resolve.ts";
import { startTunnel, type Tunnel } from "./tunnel.ts";

/** An egress-checked `fetch` and the clients it holds. */
export interface EgressFetch {
  /** Same contract as `fetch`; a denied target throws a `GatewayError` EGRESS_DENIED. */
  fetch: typeof fetch;
  /** Closes the pinned clients and the HTTPS tunnel. */
  close(): void;
}

/** What {@linkcode createEgressFetch} needs. */
export interface EgressFetchOptions {
  /** The judge of every (host, address) pair. */
  policy: EgressPolicy;
  /** How host names become addresses (the addresses connected to). */
  resolve: Resolver;
  /** The fetch that really sends (the runtime's, captured before any global is replaced). */
  send?: typeof fetch;
  /** Extra root certificates for HTTPS (PEM), e.g. a test's own CA. */
  caCerts?: string[];
  /**
   * Sends plain-HTTP requests whose body is text or absent (`http1.ts`); absent: all go through
   * `send`. Closed with the checked fetch.
   */
  http1?: Http1Client;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 20;
const MAX_PINNED_CLIENTS = 128;
const MAX_KNOWN_LITERALS = 256;

/** An address literal's allowed verdict: the address and the text a client dials. */
interface KnownLiteral {
  addresses: IpAddress[];
  dial: string;
}

/** Creates the checked fetch; nothing is opened until the first request. */
export function createEgressFetch(options: EgressFetchOptions): EgressFetch {
  const send = options.send ?? globalThis.fetch;
  const http1 = options.http1;
  const pinned = new Map<string, Deno.HttpClient>();
  let tunnel: Tunnel | undefined;
  let tlsClient: Deno.HttpClient | undefined;

  // Why: an address literal (`127.0.0.1`, a service's IP) judges the same under the same rules
  // every time; parsing and judging it again was ~7 µs of every call to it. Allowed ones only;
  // host names still resolve and are judged on every request.
  const literals = new BoundedMap<string, KnownLiteral>(MAX_KNOWN_LITERALS);

  /** Every address of `host`, each judged; throws EGRESS_DENIED at the first refused one. */
  async function judged(host: string): Promise<IpAddress[]> {
    const known = literals.get(host);
    if (known !== undefined) return known.addresses;
    const literal = parseIp(host);
    const addresses = literal ? [literal] : await options.resolve(host);
    if (addresses.length === 0) throw new TypeError(`fetch failed: cannot resolve host ${host}`);
    for (const address of addresses) {
      const verdict = options.policy.judge(host, address);
      if (!verdict.allowed) throw new GatewayError("EGRESS_DENIED", verdict.reason);
    }
    if (literal !== undefined) {
      literals.set(host, { addresses: [literal], dial: dialable(literal) });
    }
    return addresses;
  }

  function clientFor(url: URL, addresses: IpAddress[], dial?: string): Deno.HttpClient {
    if (url.protocol === "https:") {
      tunnel ??= startTunnel(async (host) => formatIp((await judged(host))[0]!));
      tlsClient ??= Deno.createHttpClient({
        proxy: tunnel.proxy,
        ...(options.caCerts ? { caCerts: options.caCerts } : {}),
      });
      return tlsClient;
    }
    const address = dial ?? dialable(addresses[0]!);
    const port = Number(url.port || 80);
    const key = `${address}|${port}`;
    let client = pinned.get(key);
    if (client === undefined) {
      if (pinned.size >= MAX_PINNED_CLIENTS) {
        const [oldest, old] = pinned.entries().next().value!;
        pinned.delete(oldest);
        old.close();
      }
      client = Deno.createHttpClient({ proxy: { transport: "tcp", hostname: address, port } });
      pinned.set(key, client);
    }
    return client;
  }

  // Why not async: an async function wrapping the shortcut's promise kept a promise layer (and a
  // thenable job's pair of closures) per upstream call in flight (heap per call).
  function checkedFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    // Why: a caller that handles redirects itself (every HTTP tool call) needs one hop and no
    // spare copy; sending its URL and init as they are skips building a Request twice.
    if (init?.redirect === "manual" && !(input instanceof Request)) {
      try {
        return sendOnce(input instanceof URL ? input : new URL(input), init);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return followingFetch(input, init);
  }

  async function followingFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    let request = new Request(input, init);
    const mode = request.redirect;
    for (let hop = 0;; hop++) {
      const url = new URL(request.url);
      if (url.protocol !== "http:" && url.protocol !== "https:") return await send(request);
      const addresses = await judged(unbracketed(url.hostname));
      const spare = mode === "follow" && request.body !== null ? request.clone() : request;
      const response = await send(request, {
        redirect: "manual",
        client: clientFor(url, addresses),
      } as RequestInit);
      const location = response.headers.get("location");
      if (!REDIRECTS.has(response.status) || location === null || mode === "manual") {
        return response;
      }
      await response.body?.cancel();
      if (mode === "error") throw new TypeError("fetch failed: redirect in redirect mode error");
      if (hop === MAX_REDIRECTS) throw new TypeError("fetch failed: too many redirects");
      request = redirected(spare, response.status, new URL(location, url));
    }
  }

  // Why no `return await`: a frame that only hands on the response would stay live for the whole
  // upstream call (heap per in-flight call); so in `checkedFetch`'s shortcut.
  function sendOnce(url: URL, init: RequestInit): Promise<Response> {
    const protocol = url.protocol;
    if (protocol !== "http:" && protocol !== "https:") return send(url, init);
    const host = unbracketed(url.hostname);
    const known = literals.get(host);
    // Why no async frame on this path: it would stay live for the whole upstream call.
    if (known !== undefined) return sendJudged(url, init, known.addresses, known.dial);
    return judged(host).then((addresses) => sendJudged(url, init, addresses));
  }

  /** Sends to the first judged address: plain HTTP with text or no body on `http1`, else fetch. */
  function sendJudged(
    url: URL,
    init: RequestInit,
    addresses: IpAddress[],
    dial?: string,
  ): Promise<Response> {
    const body = init.body ?? undefined;
    const textOrNone = body === undefined || typeof body === "string";
    if (http1 !== undefined && url.protocol === "http:" && textOrNone) {
      const target = { hostname: dial ?? dialable(addresses[0]!), port: Number(url.port || 80) };
      return http1.send(target, {
        method: init.method ?? "GET",
        url,
        headers: init.headers instanceof Headers || init.headers === undefined
          ? init.headers
          : new Headers(init.headers),
        body,
        signal: init.signal,
      });
    }
    return send(url, { ...init, client: clientFor(url, addresses, dial) } as RequestInit);
  }

  return {
    fetch: checkedFetch as typeof fetch,
    close() {
      for (const client of pinned.values()) client.close();
      pinned.clear();
      http1?.close();
      tlsClient?.close();
      tunnel?.close();
      tlsClient = undefined;
      tunnel = undefined;
    },
  };
}

/** A URL's hostname without the brackets of an IPv6 literal. */
function unbracketed(hostname: string): string {
  return hostname.startsWith("[") ? hostname.replace(/^\[|\]$/g, "") : hostname;
}

function dialable(address: IpAddress): string {
  return address.version === 6 ? `[${formatIp(address)}]` : formatIp(address);
}

// Why: the Fetch standard's rules; 303 (and 301/302 after POST) become a bodiless GET, 307/308
// repeat method and body, and credentials do not follow a redirect to another origin.
function redirected(request: Request, status: number, url: URL): Request {
  const headers = new Headers(request.headers);
  if (url.origin !== new URL(request.url).origin) {
    headers.delete("authorization");
    headers.delete("cookie");
    headers.delete("proxy-authorization");
  }
  const becomesGet = (status === 303 && request.method !== "HEAD") ||
    ((status === 301 || status === 302) && request.method === "POST");
  if (becomesGet) {
    headers.delete("content-type");
    headers.delete("content-length");
    return new Request(url, { method: "GET", headers, signal: request.signal });
  }
  return new Request(url, {
    method: request.method,
    headers,
    body: request.body,
    signal: request.signal,
    redirect: "follow",
    // @ts-ignore: duplex is required by Deno for a stream body but missing from RequestInit
    duplex: "half",
  });
}
