/**
 * An MCP client transport over a supervised child's stdin/stdout: newline-delimited JSON-RPC,
 * framed by the SDK's own `ReadBuffer` and `serializeMessage`.
 *
 * Why not the SDK's `StdioClientTransport`: it spawns its own process, outside any group we could
 * signal, so a server's grandchildren (npx → node) could never be reaped.
 */

import { type JSONRPCMessage, ReadBuffer, serializeMessage } from "@modelcontextprotocol/client";
import type { Transport } from "@modelcontextprotocol/client";
import type { GroupChild } from "./process_group.ts";

/** A transport bound to one child; `ended` fires its `onclose` once, when the child is gone. */
export interface ChildTransport extends Transport {
  /** Called by the supervisor after the child has exited; closes the transport. */
  ended(): void;
}

/**
 * Wraps `child`'s pipes as a Transport; `close()` asks the supervisor to stop the child (the
 * transport itself never signals a process).
 */
export function createChildTransport(
  child: GroupChild,
  options: { onCloseRequested: () => void },
): ChildTransport {
  const buffer = new ReadBuffer();
  let closed = false;
  const transport: ChildTransport = {
    start() {
      const stdout = child.process.stdout;
      stdout?.on("data", (chunk: Uint8Array) => {
        try {
          buffer.append(chunk as Parameters<ReadBuffer["append"]>[0]);
        } catch (error) {
          transport.onerror?.(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        readAll();
      });
      // Why: a write to a child that just died raises EPIPE here; the exit path reports it.
      child.process.stdin?.on("error", () => {});
      return Promise.resolve();
    },
    send(message: JSONRPCMessage) {
      const stdin = child.process.stdin;
      if (closed || stdin === null || stdin.destroyed) {
        return Promise.reject(new Error("Not connected"));
      }
      return new Promise<void>((resolve) => {
        if (stdin.write(serializeMessage(message))) resolve();
        else stdin.once("drain", () => resolve());
      });
    },
    close() {
      options.onCloseRequested();
      return Promise.resolve();
    },
    ended() {
      if (closed) return;
      closed = true;
      buffer.clear();
      transport.onclose?.();
    },
  };
  function readAll(): void {
    for (;;) {
      let message: JSONRPCMessage | null;
      try {
        message = buffer.readMessage();
      } catch (error) {
        transport.onerror?.(error instanceof Error ? error : new Error(String(error)));
        continue;
      }
      if (message === null) return;
      transport.onmessage?.(message);
    }
  }
  return transport;
}
