/**
 * An MCP client transport over a supervised child's stdin/stdout: newline-delimited JSON-RPC,
 * framed like the SDK's own `ReadBuffer` and `serializeMessage`, with two savings on the hot path
 * (see `child_framing.ts`): lines are cut from the chunks without copying the whole buffer, and
 * a plain result response skips the SDK's zod parse of the JSON-RPC envelope (its result is
 * validated by the request's own result schema anyway); anything else goes through the SDK's
 * `deserializeMessage`. Messages sent while a write is in flight leave in one write.
 *
 * Why not the SDK's `StdioClientTransport`: it spawns its own process, outside any group we could
 * signal, so a server's grandchildren (npx → node) could never be reaped.
 */

import { type JSONRPCMessage, serializeMessage } from "@modelcontextprotocol/client";
import type { Transport } from "@modelcontextprotocol/client";
import { createLineReader } from "./child_framing.ts";
import type { GroupChild } from "./process_group.ts";

/** A transport bound to one child; `ended` fires its `onclose` once, when the child is gone. */
export interface ChildTransport extends Transport {
  /** Called by the supervisor after the child has exited; closes the transport. */
  ended(): void;
}

const SENT: Promise<void> = Promise.resolve();

/**
 * Wraps `child`'s pipes as a Transport; `close()` asks the supervisor to stop the child (the
 * transport itself never signals a process).
 */
export function createChildTransport(
  child: GroupChild,
  options: { onCloseRequested: () => void },
): ChildTransport {
  let closed = false;
  const reader = createLineReader({
    onMessage: (message) => transport.onmessage?.(message),
    onError: (error) => transport.onerror?.(error),
  });
  const writer = createCoalescingWriter(child);
  const transport: ChildTransport = {
    start() {
      child.process.stdout?.on("data", (chunk: Uint8Array) => reader.push(chunk));
      // Why: a write to a child that just died raises EPIPE here; the exit path reports it.
      child.process.stdin?.on("error", () => {});
      return Promise.resolve();
    },
    send(message: JSONRPCMessage) {
      const stdin = child.process.stdin;
      if (closed || stdin === null || stdin.destroyed) {
        return Promise.reject(new Error("Not connected"));
      }
      return writer.write(serializeMessage(message));
    },
    close() {
      options.onCloseRequested();
      return Promise.resolve();
    },
    ended() {
      if (closed) return;
      closed = true;
      reader.clear();
      transport.onclose?.();
    },
  };
  return transport;
}

/**
 * At most one write to the child's stdin in flight: lines sent meanwhile are joined and leave in
 * the next one. Why: each `write` is a trip through the node stream and the pipe op (75–135 µs a
 * call at 64 clients in the federation profile); a lone call is written at once, so batching adds
 * no latency, and under load one write carries every request queued behind the previous one.
 */
function createCoalescingWriter(child: GroupChild): { write(line: string): Promise<void> } {
  let queued: string[] = [];
  let inFlight = false;
  let scheduled = false;
  function flush(): void {
    scheduled = false;
    const stdin = child.process.stdin;
    if (queued.length === 0) return;
    if (stdin === null || stdin.destroyed) {
      queued = [];
      return;
    }
    const text = queued.length === 1 ? queued[0] as string : queued.join("");
    queued = [];
    inFlight = true;
    stdin.write(text, () => {
      inFlight = false;
      if (queued.length > 0) flush();
    });
  }
  return {
    write(line) {
      queued.push(line);
      // Why a microtask: sends made in the same turn (several requests answered by one read)
      // still leave together, without waiting for a timer.
      if (!inFlight && !scheduled) {
        scheduled = true;
        queueMicrotask(flush);
      }
      const stdin = child.process.stdin;
      if (stdin === null || !stdin.writableNeedDrain) return SENT;
      return new Promise<void>((resolve) => stdin.once("drain", () => resolve()));
    },
  };
}
