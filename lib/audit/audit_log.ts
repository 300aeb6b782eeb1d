/**
 * The durable audit log's write path: `record()` only pushes onto a bounded in-memory buffer (the
 * call path never waits on the store); a timer appends batches; `close()` flushes whatever is
 * left, so a graceful stop (SIGTERM) loses no record of a call that finished. A full buffer
 * (the store is down or too slow) drops new records, counts them and says so in the log. Records of
 * refused calls are sampled per client and code (`sampler.ts`), so a flood cannot fill the store.
 */

import type { Logger } from "../log.ts";
import type { AuditRepo, AuditRow } from "../store/mod.ts";
import { type ArgsHasher, type FinishedCall, toAuditRow } from "./entry.ts";
import { createRefusalSampler, SAMPLE_WINDOW_MS, type SuppressedRefusals } from "./sampler.ts";

/** Options of the audit log. */
export interface AuditLogOptions {
  /** Where batches are appended and old records pruned. */
  repo: AuditRepo;
  /** Receives write failures, dropped and aggregated records, and pruning. */
  logger: Logger;
  /** Keep redacted arguments as well as their hash. */
  includeArguments: boolean;
  /**
   * Hashes canonical arguments: the gateway passes an HMAC keyed from the master key; absent, an
   * HMAC under a per-process random key ({@linkcode PROCESS_ARGS_HASH}).
   */
  hashArgs?: ArgsHasher;
  /** Records held before new ones are dropped. */
  bufferSize: number;
  /** Rows per append. Default 500. */
  batchSize?: number;
  /** Time between flushes. Default 500 ms. */
  flushIntervalMs?: number;
  /** Days of records kept; 0 keeps everything. Pruned at start and every hour. */
  retentionDays: number;
  /**
   * Records of refused calls (NOT_FOUND, INVALID_INPUT, INVALID_PARAMS, RATE_LIMITED, FORBIDDEN)
   * written per client and code each minute; the rest become one aggregate record. Default 20.
   */
  refusedPerMinute?: number;
  /** The clock, epoch ms (default `Date.now`); timestamps of records come from the call itself. */
  now?: () => number;
}

/** Counters for metrics and the admin API. */
export interface AuditStats {
  /** Records waiting in memory to be written. */
  buffered: number;
  /** Records written to the store since start. */
  written: number;
  /** Records dropped since start because the buffer was full. */
  dropped: number;
  /** Appends that failed since start (their records stayed buffered and were retried). */
  failedWrites: number;
  /** Records of refused calls counted into an aggregate record instead of written. */
  suppressed: number;
}

/** The audit log writer. */
export interface AuditLog {
  /** Queues one finished call; never throws, never waits. */
  record(call: FinishedCall): void;
  /** Queues one row built elsewhere (an admin action, `adminRow`), unsampled; never throws. */
  recordRow(row: AuditRow): void;
  /** Calls `listener` after each batch is written here; returns the unsubscribe. */
  onWritten(listener: () => void): () => void;
  /** Appends everything queued so far; resolves when written (or after one failed attempt). */
  flush(): Promise<void>;
  /** Stops the timers and flushes what is left, retrying a failed append a few times. */
  close(): Promise<void>;
  /** Counters since start, and what is buffered now. */
  stats(): AuditStats;
}

/** A finished call whose row is not built yet. */
interface PendingCall {
  pending: FinishedCall;
}

const DROP_LOG_INTERVAL_MS = 10_000;
const HOUR_MS = 3_600_000;
const CLOSE_ATTEMPTS = 5;

/** Starts the audit log's timers. Raises nothing; store failures are logged and retried. */
export function createAuditLog(options: AuditLogOptions): AuditLog {
  const now = options.now ?? Date.now;
  // Why 500: the embedded store's append is synchronous (500 rows on cached statements hold the
  // event loop a few ms), and each append is one transaction whose COMMIT is an fsync
  // (`synchronous = FULL`): at 200 rows per 250 ms, the commits cost ~24 µs a call at 64 clients.
  const batchSize = options.batchSize ?? 500;
  const logger = options.logger;
  // Why calls as well as rows: a call's row (redaction, canonical JSON, HMAC: ~27 µs) is built
  // when its batch is written, not on the call's way back to the client.
  let buffer: Array<AuditRow | PendingCall> = [];
  let writing: Promise<boolean> | undefined;
  const stats = { written: 0, dropped: 0, failedWrites: 0, suppressed: 0 };
  const sampler = createRefusalSampler(options.refusedPerMinute);
  let droppedSinceLog = 0;
  let lastDropLog = -Infinity;
  let closed = false;
  const listeners = new Set<() => void>();

  const flushTimer = setInterval(() => void flush(), options.flushIntervalMs ?? 500);
  Deno.unrefTimer(flushTimer);
  const pruneTimer = setInterval(() => void prune(), HOUR_MS);
  Deno.unrefTimer(pruneTimer);
  void prune();

  function record(call: FinishedCall): void {
    if (!sampler.admit(call, now())) {
      stats.suppressed++;
      return;
    }
    enqueue({ pending: call });
  }

  /** The first `count` entries as rows, built in place; an entry that cannot be built is dropped. */
  function takeRows(count: number): AuditRow[] {
    const rows: AuditRow[] = [];
    let i = 0;
    while (i < buffer.length && rows.length < count) {
      const entry = buffer[i] as AuditRow | PendingCall;
      if (!("pending" in entry)) {
        rows.push(entry);
        i++;
        continue;
      }
      try {
        const row = toAuditRow(entry.pending, {
          includeArguments: options.includeArguments,
          hashArgs: options.hashArgs,
        });
        buffer[i] = row;
        rows.push(row);
        i++;
      } catch (error) {
        logger.error("Cannot build audit record", { requestId: entry.pending.requestId, error });
        buffer.splice(i, 1);
      }
    }
    return rows;
  }

  /** Writes one aggregate record (and a log line) per ended window that suppressed records. */
  function aggregate(until: number): void {
    for (const suppressed of sampler.drain(until)) {
      logger.warn("Audit records of refused calls aggregated", {
        clientId: suppressed.caller.principal.id,
        errorCode: suppressed.code,
        suppressed: suppressed.count,
        windowStart: new Date(suppressed.windowStart).toISOString(),
      });
      enqueue(aggregateRow(suppressed));
    }
  }

  function enqueue(row: AuditRow | PendingCall): void {
    if (buffer.length >= options.bufferSize) {
      stats.dropped++;
      droppedSinceLog++;
      if (now() - lastDropLog >= DROP_LOG_INTERVAL_MS) {
        logger.error("Audit buffer full: dropping audit records", {
          dropped: droppedSinceLog,
          droppedTotal: stats.dropped,
          bufferSize: options.bufferSize,
        });
        droppedSinceLog = 0;
        lastDropLog = now();
      }
      return;
    }
    buffer.push(row);
    if (buffer.length >= batchSize && !closed) void flush();
  }

  /** Writes one batch; true when it was written (or there was nothing to write). */
  function writeBatch(): Promise<boolean> {
    writing ??= (async () => {
      const batch = takeRows(batchSize);
      if (batch.length === 0) return true;
      try {
        await options.repo.append(batch);
        buffer = buffer.slice(batch.length);
        stats.written += batch.length;
        for (const listener of listeners) listener();
        // Why: a backlog (the store was locked) is written batch after batch; without a macrotask
        // between them the whole backlog would hold the event loop at once on the embedded store.
        if (buffer.length > 0) await new Promise((resolve) => setTimeout(resolve, 0));
        return true;
      } catch (error) {
        stats.failedWrites++;
        logger.error("Cannot write audit records: keeping them buffered", {
          records: batch.length,
          buffered: buffer.length,
          error,
        });
        return false;
      } finally {
        writing = undefined;
      }
    })();
    return writing;
  }

  async function flush(): Promise<void> {
    aggregate(closed ? Infinity : now());
    while (buffer.length > 0) {
      if (writing !== undefined) {
        await writing;
        continue;
      }
      if (!(await writeBatch())) return;
    }
  }

  async function prune(): Promise<void> {
    if (options.retentionDays <= 0 || closed) return;
    try {
      const removed = await options.repo.prune(now() - options.retentionDays * 24 * HOUR_MS);
      if (removed > 0) logger.info("Audit records past retention removed", { removed });
    } catch (error) {
      logger.warn("Cannot prune the audit log", { error });
    }
  }

  async function close(): Promise<void> {
    closed = true;
    clearInterval(flushTimer);
    clearInterval(pruneTimer);
    aggregate(Infinity);
    for (let attempt = 0; attempt < CLOSE_ATTEMPTS && buffer.length > 0; attempt++) {
      await flush();
    }
    if (buffer.length > 0) {
      logger.error("Audit records lost at shutdown: the store did not accept them", {
        lost: buffer.length,
      });
    }
  }

  return {
    record,
    recordRow: enqueue,
    onWritten(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    flush,
    close,
    stats: () => ({ buffered: buffer.length, ...stats }),
  };
}

/**
 * The record standing for the refused calls of one client and code in one minute that were not
 * written: `outcome: "suppressed"`, the code in `errorCode`, tool `*`, and the count in `args`.
 */
export function aggregateRow(suppressed: SuppressedRefusals): AuditRow {
  const { principal, server } = suppressed.caller;
  return {
    at: suppressed.windowStart,
    requestId: `suppressed:${suppressed.windowStart}:${suppressed.code}:${principal.id}`,
    clientId: principal.id,
    clientName: principal.name,
    clientKind: principal.kind,
    server,
    tool: "*",
    argsHash: "",
    args: JSON.stringify({ suppressed: suppressed.count, windowMs: SAMPLE_WINDOW_MS }),
    outcome: "suppressed",
    errorCode: suppressed.code,
    durationMs: 0,
    backendStatus: null,
    cacheHit: null,
    coalesced: null,
    credentialName: null,
    credentialVersion: null,
  };
}
