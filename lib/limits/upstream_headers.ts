/**
 * Reads a backend's own quota from its response: `Retry-After` on 429/503, `X-RateLimit-Remaining`
 * with `X-RateLimit-Reset`, `RateLimit-Remaining` with `RateLimit-Reset`, or the structured
 * `RateLimit` field (`limit=100, remaining=0, reset=30` or `"default";r=0;t=30`).
 */

import { parseRetryAfter } from "../rates.ts";
import type { UpstreamReport } from "../store/mod.ts";

/** How long a 429/503 without any timing header blocks its backend. */
export const DEFAULT_BLOCK_MS = 1000;
/** The longest a backend's report may block it (a daily quota). */
export const MAX_BLOCK_MS = 24 * 3_600_000;

// Why: X-RateLimit-Reset is delta seconds for some vendors and epoch seconds (GitHub) or epoch
// milliseconds for others; no delta is anywhere near a billion seconds.
const EPOCH_SECONDS_FROM = 1e9;
const EPOCH_MS_FROM = 1e12;

/**
 * The quota a response reports, or undefined when it says nothing usable. `now` (ms) converts
 * absolute times (HTTP dates, epoch resets) into delays; raises nothing.
 */
export function readUpstreamQuota(
  status: number,
  headers: Headers,
  now: number,
): UpstreamReport | undefined {
  const throttled = status === 429 || status === 503;
  const retryAfter = headers.get("retry-after");
  const retryMs = retryAfter === null ? undefined : parseRetryAfter(retryAfter, now);
  if (throttled && retryMs !== undefined) return bounded(0, retryMs);
  const quota = readRateLimitHeaders(headers, now);
  if (quota !== undefined) return bounded(throttled ? 0 : quota.remaining, quota.resetAfterMs);
  return status === 429 ? bounded(0, DEFAULT_BLOCK_MS) : undefined;
}

function readRateLimitHeaders(headers: Headers, now: number): UpstreamReport | undefined {
  for (const prefix of ["x-ratelimit-", "ratelimit-"]) {
    // Why `reset` only after `remaining`: a header lookup is a scan of the list, and most
    // responses carry neither.
    const remaining = headers.get(`${prefix}remaining`);
    if (remaining === null) continue;
    const reset = headers.get(`${prefix}reset`);
    if (reset === null) continue;
    const left = parseCount(remaining);
    const resetMs = parseReset(reset, now);
    if (left !== undefined && resetMs !== undefined) {
      return { remaining: left, resetAfterMs: resetMs };
    }
  }
  const field = headers.get("ratelimit");
  return field === null ? undefined : parseRateLimitField(field);
}

/** `limit=100, remaining=0, reset=30` (draft 03-06) or `"default";r=0;t=30` (draft 07+). */
function parseRateLimitField(field: string): UpstreamReport | undefined {
  const params = new Map<string, string>();
  for (const part of field.split(/[;,]/)) {
    const [name, value] = part.split("=").map((s) => s.trim().toLowerCase());
    if (name && value !== undefined) params.set(name, value.replace(/^"|"$/g, ""));
  }
  const left = parseCount(params.get("remaining") ?? params.get("r") ?? "");
  const reset = params.get("reset") ?? params.get("t");
  const resetMs = reset === undefined ? undefined : parseDelaySeconds(reset);
  return left === undefined || resetMs === undefined
    ? undefined
    : { remaining: left, resetAfterMs: resetMs };
}

function parseReset(value: string, now: number): number | undefined {
  const seconds = Number(value.trim());
  if (!Number.isFinite(seconds) || seconds < 0) return undefined;
  if (seconds >= EPOCH_MS_FROM) return Math.max(0, seconds - now);
  if (seconds >= EPOCH_SECONDS_FROM) return Math.max(0, seconds * 1000 - now);
  return Math.round(seconds * 1000);
}

function parseDelaySeconds(value: string): number | undefined {
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.round(seconds * 1000) : undefined;
}

function parseCount(value: string): number | undefined {
  const count = Number(value.trim());
  return value.trim() !== "" && Number.isInteger(count) && count >= 0 ? count : undefined;
}

function bounded(remaining: number, resetAfterMs: number): UpstreamReport | undefined {
  if (resetAfterMs <= 0) return undefined;
  return { remaining, resetAfterMs: Math.min(resetAfterMs, MAX_BLOCK_MS) };
}
