/** Listing an upstream's tools: every page, with one recovery of a lost session. */

import type { ListHint } from "./catalog.ts";
import { hintOf } from "./catalog_listing.ts";
import type { UpstreamConnection } from "./connection.ts";
import type { Client } from "./stdio_supervisor.ts";

/** Every page of the upstream's tools; a lost session is re-established once (listing is read-only). */
export async function listAll(
  connection: UpstreamConnection,
  timeoutMs: number,
  onHint: (hint: ListHint | undefined) => void = () => {},
): Promise<unknown[]> {
  const client = await connection.client();
  try {
    return await listPages(client, timeoutMs, onHint);
  } catch (error) {
    if (connection.lost?.(client, error) === undefined) throw error;
    return await listPages(await connection.client(), timeoutMs, onHint);
  }
}

async function listPages(
  client: Client,
  timeoutMs: number,
  onHint: (hint: ListHint | undefined) => void,
): Promise<unknown[]> {
  const tools: unknown[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const result = await client.listTools(cursor === undefined ? {} : { cursor }, {
      timeout: timeoutMs,
    });
    if (page === 0) onHint(hintOf(result));
    tools.push(...result.tools);
    cursor = result.nextCursor;
    if (cursor === undefined) return tools;
  }
  return tools;
}
