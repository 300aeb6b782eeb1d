/**
 * A 2025-era call target for the federation section: each virtual client holds a session opened
 * the way the real client opened it (`initialize`, then `notifications/initialized`, keeping the
 * `Mcp-Session-Id` the server gave, if any), then replays the captured `tools/call` POST with a
 * new `id` argument per call. Answers may be JSON or an SSE stream; both are read.
 */

import type { CallTarget } from "./load.ts";
import type { LegacyExchange } from "./legacy_capture.ts";
import { itemId } from "./targets.ts";

/** One open session: its id, or undefined for a server that serves 2025 statelessly. */
interface Session {
  id: string | undefined;
}

/** A target plus how many sessions it opened (at most one per virtual client). */
export interface SessionTarget extends CallTarget {
  sessionsOpened(): number;
}

/**
 * Replays `captured` against its set-up. Sessions are kept in a free list: a call takes one (or
 * opens one when none is free) and gives it back when answered, so at N clients N sessions exist,
 * opened by the unmeasured calls before each round.
 */
export function createSessionTarget(
  name: string,
  captured: LegacyExchange,
  serverCpuMs: () => Promise<number>,
): SessionTarget {
  const free: Session[] = [];
  let opened = 0;
  return {
    name,
    serverCpuMs,
    sessionsOpened: () => opened,
    async call(n, signal) {
      let session = free.pop();
      if (session === undefined) {
        session = await openSession(captured, signal);
        opened++;
      }
      const id = itemId(n);
      const headers = withSession(captured.call.headers, session);
      const response = await fetch(captured.url, {
        method: "POST",
        headers,
        body: captured.call.bodyBefore + id + captured.call.bodyAfter,
        signal,
      });
      const text = await response.text();
      // Why: a session whose call failed is dropped, so one bad answer cannot poison later calls.
      if (response.status !== 200) return `HTTP ${response.status}: ${text.slice(0, 120)}`;
      const failure = checkToolAnswer(text, id);
      if (failure === undefined) free.push(session);
      return failure;
    },
  };
}

async function openSession(captured: LegacyExchange, signal: AbortSignal): Promise<Session> {
  const init = captured.initialize;
  const response = await fetch(captured.url, {
    method: "POST",
    headers: init.headers,
    body: init.body,
    signal,
  });
  const text = await response.text();
  const answer = response.status === 200 ? readRpcAnswer(text) : undefined;
  if (answer?.result === undefined) {
    throw new Error(`initialize failed: HTTP ${response.status}: ${text.slice(0, 120)}`);
  }
  const session = { id: response.headers.get("mcp-session-id") ?? undefined };
  const notified = await fetch(captured.url, {
    method: "POST",
    headers: withSession(captured.initialized.headers, session),
    body: captured.initialized.body,
    signal,
  });
  const ack = await notified.text();
  if (notified.status !== 202 && notified.status !== 200) {
    throw new Error(
      `notifications/initialized failed: HTTP ${notified.status}: ${ack.slice(0, 80)}`,
    );
  }
  return session;
}

function withSession(headers: Record<string, string>, session: Session): Record<string, string> {
  return session.id === undefined ? headers : { ...headers, "mcp-session-id": session.id };
}

interface RpcAnswer {
  result?: { isError?: boolean; structuredContent?: { id?: unknown } };
  error?: { code?: number; message?: string };
}

/** The JSON-RPC answer in a JSON body or in the `data:` lines of an SSE body. */
function readRpcAnswer(text: string): RpcAnswer | undefined {
  if (text.startsWith("{")) return JSON.parse(text) as RpcAnswer;
  for (const line of text.split("\n")) {
    if (!line.startsWith("data:")) continue;
    const data = line.slice(5).trim();
    if (data === "") continue;
    const message = JSON.parse(data) as RpcAnswer & { method?: string };
    if (message.result !== undefined || message.error !== undefined) return message;
  }
  return undefined;
}

function checkToolAnswer(text: string, id: string): string | undefined {
  const answer = readRpcAnswer(text);
  if (answer === undefined) return `no JSON-RPC answer: ${text.slice(0, 120)}`;
  if (answer.error) return `JSON-RPC ${answer.error.code}: ${answer.error.message}`;
  if (answer.result?.isError) return `tool error: ${text.slice(0, 120)}`;
  return answer.result?.structuredContent?.id === id
    ? undefined
    : `wrong item: ${text.slice(0, 120)}`;
}
