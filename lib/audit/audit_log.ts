/**
 * The durable audit log's write path: `record()` only pushes onto a bounded in-memory buffer (the
 * call path never waits on the store); a timer appends batches; `close()` flushes whatever is
 * left, so a graceful stop (SIGTERM) loses no record of a call that finished. A full buffer
 * (the store is down or too slow) drops new records, counts them and says so in the log.
 */

import type { Logger } from "../log.ts";
import type { AuditRepo, AuditRow } from "../store/mod.ts";
import { type ArgsHasher, type FinishedCall, toAuditRow } from "./entry.ts";

/** Options of the audit log. */
export interface AuditLogOptions {
  repo: AuditRepo;
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
  /** Time between flushes. Default 250 ms. */
  flushIntervalMs?: number;
  /** Days of records kept; 0 keeps everything. Pruned at start and every hour. */
  retentionDays: number;
  now?: () => number;
}

/** Counters for metrics and the admin API. */
export interface AuditStats {
  buffered: number;
  written: number;
  dropped: number;
  failedWrites: number;
}

/** The audit log writer. */
export interface AuditLog {
  /** Queues one finished call; never throws, never waits. */
  record(call: FinishedCall): void;
  /** Appends everything queued so far; resolves when written (or after one failed attempt). */
  flush(): Promise<void>;
  /** Stops the timers and flushes what is left, retrying a failed append a few times. */
  close(): Promise<void>;
  stats(): AuditStats;
}

const DROP_LOG_INTERVAL_MS = 10_000;
const HOUR_MS = 3_600_000;
const CLOSE_ATTEMPTS = 5;

/** Starts the audit log's timers. Raises nothing; store failures are logged and retried. */
export function createAuditLog(options: AuditLogOptions): AuditLog {
  const now = options.now ?? Date.now;
  const batchSize = options.batchSize ?? 500;
  const logger = options.logger;
  let buffer: AuditRow[] = [];
  let writing: Promise<boolean> | undefined;
  const stats = { written: 0, dropped: 0, failedWrites: 0 };
  let droppedSinceLog = 0;
  let lastDropLog = -Infinity;
  let closed = false;

  const flushTimer = setInterval(() => void flush(), options.flushIntervalMs ?? 250);
  Deno.unrefTimer(flushTimer);
  const pruneTimer = setInterval(() => void prune(), HOUR_MS);
  Deno.unrefTimer(pruneTimer);
  void prune();

  function record(call: FinishedCall): void {
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
    try {
      buffer.push(toAuditRow(call, {
        includeArguments: options.includeArguments,
        hashArgs: options.hashArgs,
      }));
    } catch (error) {
      logger.error("Cannot build audit record", { requestId: call.requestId, error });
      return;
    }
    if (buffer.length >= batchSize && !closed) void flush();
  }

  /** Writes one batch; true when it was written (or there was nothing to write). */
  function writeBatch(): Promise<boolean> {
    writing ??= (async () => {
      const batch = buffer.slice(0, batchSize);
      if (batch.length === 0) return true;
      try {
        await options.repo.append(batch);
        buffer = buffer.slice(batch.length);
        stats.written += batch.length;
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
    flush,
    close,
    stats: () => ({ buffered: buffer.length, ...stats }),
  };
}
