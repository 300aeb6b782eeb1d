/**
 * Outbound HTTP under tracing: one client span per request sent (method, host, port, scheme and
 * status; never the path or query, where HTTP tools put arguments and credentials may sit), its
 * `traceparent` on the request, and Deno's automatic `fetch` span kept out of the export.
 */

import type { Tracing } from "./tracing.ts";

/**
 * Wraps the fetch that really sends (the egress guard's `send`): inside a traced request each
 * exchange gets a span `HTTP {method}` below the active one; outside, nothing is recorded.
 * Raises what `send` raises.
 */
export function tracedSend(send: typeof fetch, tracing: Tracing): typeof fetch {
  return async function sendTraced(input, init) {
    let span: ReturnType<typeof startClientSpan>;
    if (input instanceof Request) {
      const { method, headers } = input;
      span = startClientSpan(tracing, { url: new URL(input.url), method, headers });
    } else if (input instanceof URL) {
      // Why a URL too: the egress guard sends one-hop calls (every HTTP tool's) as URL and init.
      const headers = new Headers(init?.headers);
      span = startClientSpan(tracing, { url: input, method: init?.method ?? "GET", headers });
      if (span !== undefined) init = { ...init, headers };
    }
    try {
      // Why unsampled: Deno's own fetch span records `url.full`, `url.path` and `url.query`.
      const response = await (span
        ? span.within(() =>
          tracing.unsampled(() => send(input, init))
        )
        : tracing.unsampled(() => send(input, init)));
      span?.set({ "http.response.status_code": response.status });
      if (response.status >= 400) span?.fail(String(response.status));
      return response;
    } catch (error) {
      span?.fail(error instanceof Error ? error.name : "Error");
      throw error;
    } finally {
      span?.end();
    }
  } as typeof fetch;
}

function startClientSpan(
  tracing: Tracing,
  request: { url: URL; method: string; headers: Headers },
) {
  const { url } = request;
  if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
  const span = tracing.start(`HTTP ${request.method}`, {
    kind: "client",
    attributes: {
      "http.request.method": request.method,
      "server.address": url.hostname,
      "server.port": Number(url.port || (url.protocol === "https:" ? 443 : 80)),
      "url.scheme": url.protocol.slice(0, -1),
    },
  });
  if (span === undefined) return undefined;
  try {
    // Why replace: the log context's traceparent names no exported span; this one does.
    request.headers.set("traceparent", span.traceparent());
  } catch {
    // Why: an immutable header list keeps what it has (the log context's traceparent).
  }
  return span;
}
