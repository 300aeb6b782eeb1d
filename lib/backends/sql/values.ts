/**
 * Turning database values into JSON without losing what they are: numerics and 64-bit integers
 * as strings (no float rounding), dates as ISO 8601, binary as base64, JSON as JSON.
 */

import type { JsonValue } from "../../registry/types.ts";

/** A value a driver returned, as JSON. */
export function toJsonValue(value: unknown): JsonValue {
  if (value === null || value === undefined) return null;
  if (typeof value === "string" || typeof value === "boolean") return value;
  // Why strings for NaN and Infinity: JSON has no such numbers, and null would claim "no value".
  if (typeof value === "number") return Number.isFinite(value) ? value : String(value);
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Uint8Array) return encodeBase64(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (typeof value === "object") {
    const out: { [key: string]: JsonValue } = {};
    for (const [key, item] of Object.entries(value)) out[key] = toJsonValue(item);
    return out;
  }
  return String(value);
}

/**
 * A database's date or time text as ISO 8601: `2024-01-02 03:04:05.5+00` becomes
 * `2024-01-02T03:04:05.5+00:00`; text without a zone stays without one (it has none).
 */
export function isoDateText(text: string, zone = ""): string {
  const match = /^(\d{4,}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?)([+-]\d\d(?::?\d\d)?)?$/.exec(text);
  if (!match) return text;
  const offset = match[3] ?? zone;
  const normal = /^[+-]\d\d$/.test(offset)
    ? `${offset}:00`
    : /^[+-]\d{4}$/.test(offset)
    ? `${offset.slice(0, 3)}:${offset.slice(3)}`
    : offset;
  return `${match[1]}T${match[2]}${normal === "+00:00" ? "Z" : normal}`;
}

/** An argument as a bound parameter: arrays and objects as JSON text, absent as NULL. */
export function toParameter(value: unknown): unknown {
  if (value === undefined) return null;
  if (value !== null && typeof value === "object") return JSON.stringify(value);
  return value;
}

function encodeBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}
