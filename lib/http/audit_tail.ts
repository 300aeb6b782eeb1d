/**
 * `GET /admin/audit/tail`: new audit rows as Server-Sent Events (`event: audit`, `id:` the row id,
 * `data:` the row as JSON), read from the store after the newest row at connect (or after the id
 * the client resumes from). The writer of this instance wakes the tail as soon as it appended a
 * batch; a poll catches rows other instances wrote to the same store.
 *
 * Why pull-based: the stream reads the next batch only when the client has taken the last one, so
 * a slow reader holds at most one batch in memory and lags behind in the store instead (nothing
 * is dropped: it resumes from the last id it saw).
 */

import type { AuditFilter, AuditRepo, StoredAuditRow } from "../store/mod.ts";

/** The rows one read takes, and so the most a connection ever holds queued. */
export const TAIL_BATCH = 100;
const KEEPALIVE_MS = 15_000;

/** How a tail reads. */
export interface AuditTailOptions {
  /** The filters of `GET /admin/audit`, without paging. */
  filter: Omit<AuditFilter, "limit" | "order" | "afterId" | "beforeId">;
  /** Rows after this id; absent: only rows written from now on. */
  afterId?: number;
  /** Subscribes to this instance's writes (returns the unsubscribe). */
  onWritten?: (listener: () => void) => () => void;
  /** Called once when the client goes away. */
  onEnd?: () => void;
  /** Poll interval for rows written elsewhere. */
  pollMs: number;
}

/** The SSE response of one tail. Raises what the first store read raises. */
export async function auditTailResponse(
  repo: AuditRepo,
  options: AuditTailOptions,
): Promise<Response> {
  let last = options.afterId ?? await newestId(repo);
  const encoder = new TextEncoder();
  let wake: (() => void) | undefined;
  const unsubscribe = options.onWritten?.(() => wake?.());
  let closed = false;
  const finish = () => {
    if (closed) return;
    closed = true;
    options.onEnd?.();
    unsubscribe?.();
    wake?.();
  };
  // Why not the request's signal: under Deno's legacy abort (a build without
  // --unstable-no-legacy-abort) it fires as soon as the response starts; `cancel` is the client
  // going away.
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(": audit tail\n\n"));
    },
    async pull(controller) {
      let idle = 0;
      while (!closed) {
        // Why swallowed: a store blip must not end the console's tail; the next poll retries
        // from the same id, so nothing is skipped.
        const rows = await repo.query({
          ...options.filter,
          afterId: last,
          order: "asc",
          limit: TAIL_BATCH,
        }).catch(() => []);
        if (closed) return;
        if (rows.length > 0) {
          last = rows.at(-1)!.id;
          return controller.enqueue(encoder.encode(rows.map(event).join("")));
        }
        if (idle >= KEEPALIVE_MS) return controller.enqueue(encoder.encode(": keepalive\n\n"));
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, options.pollMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
        idle += options.pollMs;
      }
    },
    cancel: finish,
  });
  return new Response(stream, {
    headers: {
      "content-type": "text/event-stream",
      "cache-control": "no-store",
      "x-accel-buffering": "no",
    },
  });
}

async function newestId(repo: AuditRepo): Promise<number> {
  const [row] = await repo.query({ limit: 1, order: "desc" });
  return row?.id ?? 0;
}

function event(row: StoredAuditRow): string {
  return `id: ${row.id}\nevent: audit\ndata: ${JSON.stringify(row)}\n\n`;
}
