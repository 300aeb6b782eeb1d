/**
 * Holding a resource (an admission slot, a resource subscription) for as long as an answer
 * streams: released when an SSE body ends, fails or is cancelled, at once for any other answer.
 */

/**
 * What is run when a body ends: a function, or an object's `release` method (an admission slot,
 * which then needs no closure per answer).
 */
export type Release = (() => void) | { release(): void };

/** Runs `release`, whichever its form. */
export function runRelease(release: Release): void {
  if (typeof release === "function") release();
  else release.release();
}

/**
 * A producer's watch on its body's end: `onEnd(end)` runs `end` then (at once if it has). The
 * object form takes either form of {@linkcode Release}.
 */
export type EndWatch = ((end: () => void) => void) | { onEnd(end: Release): void };

/** Answers whose producer runs callbacks when their body ends (see `endsKnown`). */
const knownEnds = new WeakMap<Response, EndWatch>();

/**
 * Marks `response` as one whose producer already learns when its body ends, fails or is
 * cancelled: `onEnd(end)` must run `end` then (at once if it already has), so
 * `releasedAtStreamEnd` need not wrap the body again. Why an object form too: a producer that is
 * an object (`direct_sse.ts`'s SSE answer) is its own watch, with no closure per answer.
 * Returns `response`; raises nothing.
 */
export function endsKnown(response: Response, onEnd: EndWatch): Response {
  knownEnds.set(response, onEnd);
  return response;
}

/**
 * `response`, with `release` run when its SSE body ends, fails or is cancelled; for an answer
 * without a body or not `text/event-stream` (built whole before it is returned), run at once.
 * Raises nothing.
 */
export function releasedAtStreamEnd(response: Response, release: Release): Response {
  const known = knownEnds.get(response);
  // Why: each wrapper is one more JS stream every chunk of the answer is pulled through.
  if (known !== undefined) {
    if (typeof known !== "function") known.onEnd(release);
    else known(typeof release === "function" ? release : () => release.release());
    return response;
  }
  // Why not wrap every body: a JSON answer is complete when returned, and a wrapping stream would
  // cost each call on the hot path.
  const streamed = response.headers.get("content-type")?.startsWith("text/event-stream") ?? false;
  // Why the content type first: reading `response.body` of an answer built from a string turns it
  // into a JS stream, which Deno then serves chunk by chunk instead of in one write.
  if (!streamed || response.body === null) {
    runRelease(release);
    return response;
  }
  return new Response(onEnd(response.body, () => runRelease(release)), {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

/** `body` passed through; `end` runs when it finishes, fails or is cancelled. */
function onEnd(body: ReadableStream<Uint8Array>, end: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    // Why a chain and not an async function: a pending pull lasts as long as the answer streams,
    // and a suspended async frame would be held for all that time (heap per call in flight).
    pull(controller) {
      const failed = (error: unknown) => {
        end();
        controller.error(error);
      };
      return reader.read().then(({ done, value }) => {
        try {
          if (done) {
            end();
            controller.close();
          } else controller.enqueue(value);
        } catch (error) {
          failed(error);
        }
      }, failed);
    },
    async cancel(reason) {
      end();
      await reader.cancel(reason).catch(() => {});
    },
  });
}
