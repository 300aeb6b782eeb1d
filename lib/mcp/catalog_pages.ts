/**
 * Cursor pages over the catalog's sorted lists (prompts by name, resources by URI, templates by
 * URI template): the cursor is the last key returned, so a page boundary stays right when the
 * lists change between requests.
 */

import { GatewayError } from "../errors.ts";

/** One page of `items` after `cursor`, keyed and sorted by `keyOf`. */
export function pageAfter<T>(
  items: readonly T[],
  keyOf: (item: T) => string,
  cursor: string | undefined,
  pageSize: number,
): { items: T[]; nextCursor?: string } {
  const size = Math.max(1, Math.floor(pageSize));
  let start = 0;
  if (cursor !== undefined) {
    const after = decodeKey(cursor);
    let low = 0;
    let high = items.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (keyOf(items[middle] as T) <= after) low = middle + 1;
      else high = middle;
    }
    start = low;
  }
  const page = items.slice(start, start + size);
  const last = page.at(-1);
  if (last === undefined || start + size >= items.length) return { items: page };
  return { items: page, nextCursor: encodeKey(keyOf(last)) };
}

function encodeKey(key: string): string {
  const bytes = new TextEncoder().encode(key);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return "k" + btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function decodeKey(cursor: string): string {
  if (/^k[A-Za-z0-9_-]*$/.test(cursor)) {
    try {
      const binary = atob(cursor.slice(1).replaceAll("-", "+").replaceAll("_", "/"));
      const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
      return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      // Why fall through: any decoding failure is the same client error below.
    }
  }
  throw new GatewayError("INVALID_PARAMS", "Invalid cursor: not one this gateway issued", {
    data: { cursor },
  });
}
