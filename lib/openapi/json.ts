/** Turning parsed YAML values into plain JSON (js-yaml reads `2024-01-01` as a Date). */

import type { JsonValue } from "../registry/mod.ts";

/** A plain JSON copy of a value: dates become ISO text, other non-JSON values become null. */
export function toJson(value: unknown): JsonValue {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (Array.isArray(value)) return value.map(toJson);
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .map(([key, item]): [string, JsonValue] => [key, toJson(item)]);
    // Why: fromEntries defines own keys, so a "__proto__" key in a description stays data.
    return Object.fromEntries(entries);
  }
  return null;
}

/** Whether a value's JSON text is at most `max` characters (for examples worth keeping). */
export function isSmallJson(value: JsonValue, max: number): boolean {
  return JSON.stringify(value).length <= max;
}
