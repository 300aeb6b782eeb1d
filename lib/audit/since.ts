/**
 * `--since` values for audit queries: a duration back from now (`15m`, `2h`, `7d`) or a date
 * (`2026-11-25`, `2026-11-25T10:00:00Z`).
 */

import { GatewayError } from "../errors.ts";

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * The epoch milliseconds a `since` value names.
 * @throws GatewayError INVALID_INPUT for anything else.
 */
export function parseSince(text: string, now: number = Date.now()): number {
  const duration = /^(\d+)(s|m|h|d)$/.exec(text.trim());
  if (duration) return now - Number(duration[1]) * UNIT_MS[duration[2]!]!;
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const at = Date.parse(text);
    if (!Number.isNaN(at)) return at;
  }
  throw new GatewayError(
    "INVALID_INPUT",
    `Invalid since value "${text}": use a duration (15m, 2h, 7d) or a date (2026-11-25)`,
  );
}
