/** Turns a child's stderr bytes into bounded log lines attributed to the upstream. */

import type { Logger } from "../log.ts";

/** Longest stderr line logged, in characters; the rest of the line is cut. */
export const MAX_STDERR_LINE = 2048;

/** A sink for stderr chunks; `flush` logs a final unterminated line. */
export interface StderrLines {
  push(chunk: Uint8Array): void;
  flush(): void;
}

/**
 * Creates a line splitter that logs each line at `warn` with `upstream: name`, after `redact`
 * (which scrubs the secrets the child was given from what it prints).
 */
export function createStderrLines(
  logger: Logger,
  name: string,
  redact: (text: string) => string = (text) => text,
): StderrLines {
  const decoder = new TextDecoder();
  let pending = "";
  let dropping = false; // inside an over-long line whose head was already logged
  function emit(line: string, cut: boolean): void {
    const text = redact(line.replace(/\r$/, ""));
    if (text === "") return;
    const long = text.length > MAX_STDERR_LINE;
    logger.warn("Upstream stderr", {
      upstream: name,
      line: long ? text.slice(0, MAX_STDERR_LINE) : text,
      ...(cut || long ? { truncated: true } : {}),
    });
  }
  function push(chunk: Uint8Array): void {
    pending += decoder.decode(chunk, { stream: true });
    let newline = pending.indexOf("\n");
    while (newline !== -1) {
      if (!dropping) emit(pending.slice(0, newline), false);
      dropping = false;
      pending = pending.slice(newline + 1);
      newline = pending.indexOf("\n");
    }
    // Why: a child that never writes a newline must not grow the gateway's memory.
    if (pending.length > MAX_STDERR_LINE) {
      if (!dropping) emit(pending.slice(0, MAX_STDERR_LINE), true);
      dropping = true;
      pending = "";
    }
  }
  function flush(): void {
    pending += decoder.decode();
    if (!dropping) emit(pending, false);
    pending = "";
    dropping = false;
  }
  return { push, flush };
}
