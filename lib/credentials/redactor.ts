/**
 * The redactor: scrubs a credential's secret values, and their common encodings, from text that
 * comes back from a backend. It holds the needles as plain strings and finds them with `indexOf`;
 * no secret text ever becomes a regular-expression source (a pattern string can leak into an error
 * message or a heap dump, and a long secret makes `new RegExp` throw).
 */

import { REDACTED_TEXT } from "../secret.ts";
import { toBase64 } from "./keyring.ts";

/** Shortest value the redactor matches: shorter ones would scrub ordinary text. */
export const MIN_REDACT_LENGTH = 4;

/** Shortest run of a secret scrubbed at a cut edge (a prefix the cut left behind). */
export const MIN_PARTIAL_LENGTH = 8;

/** Scrubs secrets from text. Call it on whole text; use `cut` on text a cap or excerpt ended. */
export interface Redactor {
  /** Every occurrence of a secret value (or an encoding of one) replaced with `[redacted]`. */
  (text: string): string;
  /**
   * As the call form, for text that a cut ended (a byte cap, an excerpt, a partial read): also
   * scrubs a trailing run of {@linkcode MIN_PARTIAL_LENGTH} or more characters that begins a
   * secret or one of its encodings, the part of a secret the cut went through.
   */
  readonly cut: (text: string) => string;
  /** Whether `text` holds a secret (or an encoding of one), as the call form would scrub it. */
  readonly matches: (text: string) => boolean;
}

/**
 * A redactor for `values`: each value and its URL-encoded (upper and lower case), form-encoded,
 * JSON-escaped, base64 and base64url forms. Values shorter than {@linkcode MIN_REDACT_LENGTH} are
 * skipped. Raises nothing.
 */
export function createRedactor(values: readonly string[]): Redactor {
  const set = new Set<string>();
  for (const value of values) {
    for (const form of encodingsOf(value)) {
      if (form.length >= MIN_REDACT_LENGTH) set.add(form);
    }
  }
  const needles = [...set];
  function redact(text: string): string {
    return replaceSpans(text, findSpans(text, needles));
  }
  return Object.assign(redact, {
    cut: (text: string) => {
      const whole = redact(text);
      const start = partialTailStart(whole, needles);
      return start === undefined ? whole : whole.slice(0, start) + REDACTED_TEXT;
    },
    matches: (text: string) => needles.some((needle) => text.includes(needle)),
  });
}

/**
 * Every `[start, end)` where a needle occurs, overlapping occurrences included, merged into
 * disjoint sorted spans; so overlapping secrets are scrubbed whole, never half.
 */
function findSpans(text: string, needles: readonly string[]): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  for (const needle of needles) {
    for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + 1)) {
      spans.push([at, at + needle.length]);
    }
  }
  if (spans.length < 2) return spans;
  spans.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const merged: Array<[number, number]> = [spans[0]!];
  for (const span of spans.slice(1)) {
    const last = merged[merged.length - 1]!;
    if (span[0] <= last[1]) last[1] = Math.max(last[1], span[1]);
    else merged.push(span);
  }
  return merged;
}

function replaceSpans(text: string, spans: ReadonlyArray<[number, number]>): string {
  if (spans.length === 0) return text;
  let out = "";
  let from = 0;
  for (const [start, end] of spans) {
    out += text.slice(from, start) + REDACTED_TEXT;
    from = end;
  }
  return out + text.slice(from);
}

/**
 * Where the longest trailing run of `text` that begins some needle starts, when that run is at
 * least {@linkcode MIN_PARTIAL_LENGTH} characters long (and shorter than the needle: a whole
 * needle was already scrubbed).
 */
function partialTailStart(text: string, needles: readonly string[]): number | undefined {
  let best: number | undefined;
  for (const needle of needles) {
    if (needle.length <= MIN_PARTIAL_LENGTH) continue;
    const head = needle.slice(0, MIN_PARTIAL_LENGTH);
    const window = Math.max(0, text.length - (needle.length - 1));
    for (let at = text.indexOf(head, window); at !== -1; at = text.indexOf(head, at + 1)) {
      if (best !== undefined && at >= best) break;
      if (needle.startsWith(text.slice(at))) {
        best = at;
        break;
      }
    }
  }
  return best;
}

function encodingsOf(value: string): string[] {
  const bytes = new TextEncoder().encode(value);
  const base64 = toBase64(bytes);
  const url = encodeURIComponent(value);
  return [
    value,
    url,
    // Why: a lower-case percent-encoding is the same value to a server; upstreams echo either.
    url.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()),
    new URLSearchParams({ v: value }).toString().slice(2),
    JSON.stringify(value).slice(1, -1),
    base64,
    base64.replace(/=+$/, ""),
    base64.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""),
  ];
}
