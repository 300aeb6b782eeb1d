/**
 * How a call's outcome travels through the cache and the flight channel: a versioned JSON text
 * holding either the tool result or the error, plus two bare markers for flights with no outcome
 * to share.
 */

import { BoundedMap } from "../bounded_map.ts";
import { ERROR_TABLE, type ErrorCode, GatewayError } from "../errors.ts";
import type { ToolResult } from "../registry/mod.ts";

/** The outcome of one call: its result, or the error it ended with. */
export type Outcome = { result: ToolResult } | { error: GatewayError };

/** Published when a leader gave up without an outcome (its client cancelled): waiters retry. */
export const ABANDONED = "abandoned";
/** Published when the outcome is too large to share: waiters make the call themselves. */
export const UNCACHEABLE = "uncacheable";

/** The payload text of an outcome; raises nothing. */
export function encodeOutcome(outcome: Outcome): string {
  if ("result" in outcome) return JSON.stringify({ v: 1, result: outcome.result });
  const { code, message, data } = outcome.error;
  return JSON.stringify({ v: 1, error: { code, message, data } });
}

/** Payloads decoded lately, by text: the same entry's hits share one decoded, frozen result. */
const decoded = new BoundedMap<string, Outcome>(256);
/** Longest payload text kept decoded. */
const MAX_MEMO_CHARS = 16 * 1024;

/**
 * The outcome in a payload text, or undefined when it is not one (a marker, or corrupt). A result
 * is deeply frozen and, for a payload of at most 16 KiB, shared by every decode of the same text.
 * Why: a hit parsed its payload again each time, and the answer's writer may keep what it encodes
 * of a frozen result (`direct_dispatch.ts`); frozen, no caller can change what another receives.
 */
export function decodeOutcome(text: string): Outcome | undefined {
  const known = decoded.get(text);
  if (known !== undefined) return known;
  const outcome = parseOutcome(text);
  if (outcome === undefined || !("result" in outcome)) return outcome;
  deepFreeze(outcome);
  if (text.length <= MAX_MEMO_CHARS) decoded.set(text, outcome);
  return outcome;
}

function deepFreeze(value: unknown): void {
  if (typeof value !== "object" || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
}

function parseOutcome(text: string): Outcome | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null) return undefined;
  const record = parsed as Record<string, unknown>;
  if (record.v !== 1) return undefined;
  const result = record.result as ToolResult | undefined;
  if (result && Array.isArray(result.content)) return { result };
  const error = record.error as { code?: unknown; message?: unknown; data?: unknown } | undefined;
  if (!error || typeof error.message !== "string") return undefined;
  const code = (typeof error.code === "string" && error.code in ERROR_TABLE)
    ? error.code as ErrorCode
    : "INTERNAL";
  const data = typeof error.data === "object" && error.data !== null
    ? error.data as Record<string, unknown>
    : undefined;
  return { error: new GatewayError(code, error.message, { data }) };
}
