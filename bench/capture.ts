/**
 * Captures what a real SDK v2 client pinned to 2026-07-28 sends for `tools/call`, so the load
 * generator can replay exactly those bytes with a plain `fetch` per call.
 */

import {
  Client,
  type FetchLike,
  StreamableHTTPClientTransport,
} from "@modelcontextprotocol/client";

/** The `id` argument used while capturing; replaced per call by the load generator. */
export const CAPTURE_ID = "capture-item-0001";

/** One HTTP request the client sent. */
export interface SentRequest {
  method: string;
  headers: Record<string, string>;
  body: string;
}

/** The captured `tools/call` POST, split around the `id` argument for cheap templating. */
export interface CapturedCall {
  url: string;
  headers: Record<string, string>;
  bodyBefore: string;
  bodyAfter: string;
  /** Every request the client sent, in order (connect probe included), for the README. */
  exchange: SentRequest[];
  /** The result the real client got back. */
  resultText: string;
}

/**
 * Connects a real client (pinned to 2026-07-28) to `url`, calls `get_item` once and returns the
 * `tools/call` request it sent.
 * @throws Error when the call fails or no `tools/call` POST was seen.
 */
export async function captureToolCall(url: string): Promise<CapturedCall> {
  const exchange: SentRequest[] = [];
  const recordingFetch: FetchLike = (target, init) => {
    exchange.push({
      method: init?.method ?? "GET",
      headers: Object.fromEntries(new Headers(init?.headers).entries()),
      body: typeof init?.body === "string" ? init.body : "",
    });
    return fetch(target, init);
  };
  const client = new Client({ name: "nexus-bench", version: "1.0.0" }, {
    versionNegotiation: { mode: { pin: "2026-07-28" } },
  });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { fetch: recordingFetch }));
  try {
    const result = await client.callTool({ name: "get_item", arguments: { id: CAPTURE_ID } });
    const first = result.content[0];
    const resultText = first?.type === "text" ? first.text : "";
    if (result.isError || !resultText.includes(CAPTURE_ID)) {
      throw new Error(`Capture call failed at ${url}: ${JSON.stringify(result)}`);
    }
    return splitCall(url, exchange, resultText);
  } finally {
    await client.close();
  }
}

function splitCall(url: string, exchange: SentRequest[], resultText: string): CapturedCall {
  const call = exchange.find((sent) => sent.body.includes('"method":"tools/call"'));
  if (call === undefined) throw new Error(`No tools/call POST seen while capturing at ${url}`);
  const marker = JSON.stringify(CAPTURE_ID);
  const parts = call.body.split(marker);
  if (parts.length !== 2) {
    throw new Error(
      `Captured tools/call body names the id ${parts.length - 1} times: ${call.body}`,
    );
  }
  return {
    url,
    headers: call.headers,
    bodyBefore: `${parts[0]}"`,
    bodyAfter: `"${parts[1]}`,
    exchange,
    resultText,
  };
}
