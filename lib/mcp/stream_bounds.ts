/**
 * Bounds on open notification streams (2025 `GET /mcp` and 2026 `subscriptions/listen`): a cap
 * per principal besides each era's global cap, a periodic re-check that ends a stream once its
 * credential no longer authenticates (revoked, expired, or no longer admitted), and a backlog
 * bound that ends the stream of a client that stopped reading.
 *
 * Why a periodic re-check rather than exact expiry timers: the edge re-resolves the caller from
 * the request's own credentials, which covers API keys (revocation, `expiresAt`), JWTs (`exp`)
 * and policy changes alike, with the verifiers' caches keeping it cheap. A revocation through
 * this instance's admin API triggers a re-check at once (`recheck()`).
 */

import type { Logger } from "../log.ts";
import type { Caller } from "../auth/mod.ts";
import { GatewayError } from "../errors.ts";

/** One admitted stream. */
export interface StreamSlot {
  /** Aborted when the stream must end: credential no longer valid, or the service closing. */
  readonly signal: AbortSignal;
  /** Frees the slot; idempotent. */
  release(): void;
  /** Set when the stream ends for a drain: the client is told to reconnect after this many ms. */
  readonly retryMs?: number;
}

/** Resolves whether the stream's caller still authenticates; a rejection keeps the stream. */
export type StillAuthorized = () => Promise<boolean>;

/** The per-principal stream table. */
export interface StreamSlots {
  /** A slot for `principalId`, or undefined when it already holds its cap. */
  acquire(principalId: string, stillAuthorized?: StillAuthorized): StreamSlot | undefined;
  /** Re-checks every stream now; resolves when every check has settled. */
  recheck(): Promise<void>;
  /** Open streams, of one principal or of all. */
  count(principalId?: string): number;
  /** Ends every stream and stops the re-check timer. */
  close(): void;
  /**
   * Ends every stream with an SSE `retry:` field (reconnect after `retryMs`), and every stream
   * opened from now on as soon as it opens: the gateway is draining.
   */
  drain(retryMs: number): void;
}

interface Entry extends StreamSlot {
  retryMs?: number;
  principalId: string;
  stillAuthorized?: StillAuthorized;
  abort: AbortController;
  checking: boolean;
}

/** Creates the stream table. Raises nothing. */
export function createStreamSlots(
  options: { perPrincipal: number; recheckMs: number; logger: Logger },
): StreamSlots {
  const byPrincipal = new Map<string, number>();
  const entries = new Set<Entry>();
  let timer: ReturnType<typeof setInterval> | undefined;
  let drainRetryMs: number | undefined;

  function release(entry: Entry): void {
    if (!entries.delete(entry)) return;
    const left = (byPrincipal.get(entry.principalId) ?? 1) - 1;
    if (left === 0) byPrincipal.delete(entry.principalId);
    else byPrincipal.set(entry.principalId, left);
    if (entries.size === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  }

  async function check(entry: Entry): Promise<void> {
    if (entry.checking || entry.stillAuthorized === undefined) return;
    entry.checking = true;
    try {
      if (await entry.stillAuthorized()) return;
      options.logger.info("Notification stream closed: credential no longer accepted", {
        principal: entry.principalId,
      });
      entry.abort.abort();
      release(entry);
    } catch (error) {
      options.logger.warn("Cannot re-check a notification stream: kept until the next check", {
        principal: entry.principalId,
        error,
      });
    } finally {
      entry.checking = false;
    }
  }

  function recheck(): Promise<void> {
    return Promise.all([...entries].map(check)).then(() => {});
  }

  return {
    acquire(principalId, stillAuthorized) {
      const held = byPrincipal.get(principalId) ?? 0;
      if (held >= options.perPrincipal) return undefined;
      byPrincipal.set(principalId, held + 1);
      const abort = new AbortController();
      const entry: Entry = {
        principalId,
        stillAuthorized,
        abort,
        checking: false,
        signal: abort.signal,
        release: () => release(entry),
      };
      entries.add(entry);
      if (drainRetryMs !== undefined) {
        entry.retryMs = drainRetryMs;
        abort.abort();
      }
      if (timer === undefined) {
        timer = setInterval(() => void recheck(), options.recheckMs);
        Deno.unrefTimer(timer);
      }
      return entry;
    },
    recheck,
    count: (principalId) =>
      principalId === undefined ? entries.size : byPrincipal.get(principalId) ?? 0,
    close() {
      for (const entry of [...entries]) {
        entry.abort.abort();
        release(entry);
      }
    },
    drain(retryMs) {
      drainRetryMs = retryMs;
      for (const entry of [...entries]) {
        entry.retryMs = retryMs;
        entry.abort.abort();
        release(entry);
      }
    },
  };
}

/**
 * `source` as a stream that ends when `slot` is aborted, releases `slot` when it ends for any
 * reason, and ends when more than `maxBacklog` chunks wait for a client that stopped reading.
 */
export function guardStream(
  source: ReadableStream<Uint8Array>,
  slot: StreamSlot,
  options: { maxBacklog: number },
): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  let ended = false;
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  function end(): void {
    if (ended) return;
    ended = true;
    slot.release();
    reader.cancel().catch(() => {});
    try {
      // Why: an SSE client reconnects on its own after a close; `retry:` sets when (a drain).
      if (slot.retryMs !== undefined) {
        controller?.enqueue(new TextEncoder().encode(`retry: ${slot.retryMs}\n\n`));
      }
      controller?.close();
    } catch {
      // Why: the client may already have gone; closing twice is not an error worth reporting.
    }
  }
  async function pump(): Promise<void> {
    try {
      while (!ended) {
        const { done, value } = await reader.read();
        if (done || ended) break;
        controller!.enqueue(value);
        // Why: a client that stopped reading must not grow this queue without bound.
        if (controller!.desiredSize! < -options.maxBacklog) break;
      }
    } catch {
      // Why: a source that fails ends the stream the same way as one that ends.
    }
    end();
  }
  return new ReadableStream<Uint8Array>({
    start(own) {
      controller = own;
      if (slot.signal.aborted) return end();
      slot.signal.addEventListener("abort", end, { once: true });
      void pump();
    },
    cancel: end,
  });
}

/** Frames a notification stream may queue for a client that does not read before it is ended. */
const MAX_STREAM_BACKLOG = 64;

/**
 * Opens a notification stream within the caller's cap: the stream holds a slot while it is open,
 * ends when a re-check refuses its caller, and ends when its client stops reading.
 */
export async function openBoundedStream(
  slots: StreamSlots,
  { caller, reauthorize }: {
    caller: Caller;
    reauthorize?: () => Promise<Caller | Response>;
  },
  open: () => Promise<Response>,
): Promise<Response> {
  const principalId = caller.principal.id;
  const stillAuthorized = reauthorize &&
    (async () => !((await reauthorize()) instanceof Response));
  const slot = slots.acquire(principalId, stillAuthorized);
  if (slot === undefined) {
    throw new GatewayError(
      "RATE_LIMITED",
      `Too many notification streams: limit is ${slots.count(principalId)} per client`,
    );
  }
  let response: Response;
  try {
    response = await open();
  } catch (error) {
    slot.release();
    throw error;
  }
  const streaming = response.body !== null &&
    (response.headers.get("content-type") ?? "").startsWith("text/event-stream");
  if (!streaming) {
    slot.release();
    return response;
  }
  const body = guardStream(response.body!, slot, { maxBacklog: MAX_STREAM_BACKLOG });
  return new Response(body, { status: response.status, headers: response.headers });
}
