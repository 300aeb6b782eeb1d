/**
 * Tracing a backend's HTTP exchanges for `nexus tools test`: a fetch that reports each request it
 * sends (method, URL, headers) and the status it got back, with the call's credential redacted,
 * then sends it unchanged.
 */

/** One traced event of a call: a request sent to an upstream, or the status it answered. */
export type TraceEvent =
  | {
    readonly kind: "request";
    readonly method: string;
    readonly url: string;
    readonly headers: readonly (readonly [string, string])[];
  }
  | { readonly kind: "response"; readonly status: number };

/** Receives the events of one traced call, in order; must not throw. */
export type TraceSink = (event: TraceEvent) => void;

/**
 * `globalThis.fetch` that tells `sink` what it sends and what comes back; every URL and header
 * value passes through `redact` first (the credential's secrets, and their encodings, become
 * `[redacted]`). Raises what fetch raises.
 */
export function tracingFetch(sink: TraceSink, redact: (text: string) => string): typeof fetch {
  return async function tracedFetch(input, init) {
    const url = input instanceof Request ? input.url : String(input);
    const method = init?.method ?? (input instanceof Request ? input.method : "GET");
    const headers = [...new Headers(init?.headers).entries()].map((
      [name, value],
    ) => [name, redact(value)] as const);
    sink({ kind: "request", method, url: redact(url), headers });
    const response = await fetch(input, init);
    sink({ kind: "response", status: response.status });
    return response;
  };
}
