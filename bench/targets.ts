/**
 * The calls the load generator sends: a plain `GET /items/:id` for the floor, and a replay of the
 * captured 2026-07-28 `tools/call` POST (new `id` argument per call) for both MCP set-ups.
 */

import type { CapturedCall } from "./capture.ts";
import type { CallTarget } from "./load.ts";

/** Call `n` asks for this item, so no two consecutive calls hit the same id. */
export function itemId(n: number): string {
  return `item-${n}`;
}

/** The floor: the backend over plain HTTP, no MCP. */
export function createFloorTarget(
  backendUrl: string,
  serverCpuMs: () => Promise<number>,
): CallTarget {
  return {
    name: "floor",
    serverCpuMs,
    async call(n, signal) {
      const id = itemId(n);
      const response = await fetch(`${backendUrl}/items/${id}`, { signal });
      const text = await response.text();
      if (response.status !== 200) return `HTTP ${response.status}`;
      const item = JSON.parse(text) as { id?: unknown };
      return item.id === id ? undefined : `wrong item: ${text.slice(0, 80)}`;
    },
  };
}

/** An MCP set-up: the captured `tools/call` POST, byte for byte apart from the `id` argument. */
export function createMcpTarget(
  name: string,
  captured: CapturedCall,
  serverCpuMs: () => Promise<number>,
): CallTarget {
  const headers = captured.headers;
  return {
    name,
    serverCpuMs,
    async call(n, signal) {
      const id = itemId(n);
      const response = await fetch(captured.url, {
        method: "POST",
        headers,
        body: captured.bodyBefore + id + captured.bodyAfter,
        signal,
      });
      const text = await response.text();
      if (response.status !== 200) return `HTTP ${response.status}: ${text.slice(0, 120)}`;
      return checkToolResult(text, id);
    },
  };
}

interface RpcAnswer {
  result?: { isError?: boolean; structuredContent?: { id?: unknown } };
  error?: { code?: number; message?: string };
}

function checkToolResult(text: string, id: string): string | undefined {
  const answer = JSON.parse(text) as RpcAnswer;
  if (answer.error) return `JSON-RPC ${answer.error.code}: ${answer.error.message}`;
  if (answer.result?.isError) return `tool error: ${text.slice(0, 120)}`;
  return answer.result?.structuredContent?.id === id
    ? undefined
    : `wrong item: ${text.slice(0, 120)}`;
}
