/**
 * What a backend request carries for a credential (`OutboundAuth`), built once per resolved
 * credential and applied at request build time; and the redactor that scrubs the same secrets
 * (and their common encodings) from whatever comes back.
 */

import { REDACTED_TEXT, Secret } from "../secret.ts";
import { toBase64 } from "./keyring.ts";

/** Headers and query parameters to add to one backend request, and how to scrub its answers. */
export interface OutboundAuth {
  readonly headers: ReadonlyArray<readonly [string, Secret]>;
  readonly query: ReadonlyArray<readonly [string, Secret]>;
  /** Replaces every secret value in use (and its encodings) with `[redacted]`. */
  readonly redact: (text: string) => string;
}

/** Shortest value the redactor matches: shorter ones would scrub ordinary text. */
export const MIN_REDACT_LENGTH = 4;

/**
 * Sets the credential's headers (replacing a tool's own header of the same name) and query
 * parameters on a request being built. Called once per request, at the moment of sending.
 */
export function applyOutboundAuth(
  request: { headers: Headers; url: URL },
  auth: OutboundAuth,
): void {
  for (const [name, value] of auth.headers) request.headers.set(name, value.reveal());
  for (const [name, value] of auth.query) request.url.searchParams.set(name, value.reveal());
}

/**
 * Builds an `OutboundAuth`; `secrets` are every secret string involved (values, tokens,
 * passwords) and `pairs` the `user:password` pairs whose base64 a Basic header carries.
 */
export function createOutboundAuth(parts: {
  headers?: Array<[string, Secret]>;
  query?: Array<[string, Secret]>;
  secrets: Secret[];
  pairs?: Array<[string, Secret]>;
}): OutboundAuth {
  const values = [
    ...parts.secrets.map((s) => s.reveal()),
    ...(parts.pairs ?? []).map(([user, password]) => `${user}:${password.reveal()}`),
    ...(parts.headers ?? []).map(([, value]) => value.reveal()),
  ];
  return {
    headers: parts.headers ?? [],
    query: parts.query ?? [],
    redact: createRedactor(values),
  };
}

/**
 * A function replacing each value, and its URL-encoded, form-encoded, JSON-escaped, base64 and
 * base64url forms, with `[redacted]`. Values shorter than {@linkcode MIN_REDACT_LENGTH} are skipped.
 */
export function createRedactor(values: readonly string[]): (text: string) => string {
  const needles = new Set<string>();
  for (const value of values) {
    for (const form of encodingsOf(value)) {
      if (form.length >= MIN_REDACT_LENGTH) needles.add(form);
    }
  }
  if (needles.size === 0) return (text) => text;
  // Why: longest first, so "Basic <base64>" is not left half-replaced by a shorter needle.
  const sorted = [...needles].sort((a, b) => b.length - a.length);
  const pattern = new RegExp(sorted.map(escapeRegExp).join("|"), "g");
  return (text) => text.replace(pattern, REDACTED_TEXT);
}

function encodingsOf(value: string): string[] {
  const bytes = new TextEncoder().encode(value);
  const base64 = toBase64(bytes);
  const forms = [
    value,
    encodeURIComponent(value),
    new URLSearchParams({ v: value }).toString().slice(2),
    JSON.stringify(value).slice(1, -1),
    base64,
    base64.replace(/=+$/, ""),
    base64.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""),
  ];
  // Why: a lower-case percent-encoding is the same value to a server; upstreams echo either.
  forms.push(forms[1]!.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()));
  return forms;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A Secret holding `prefix + value`, for header values such as `Bearer <token>`. */
export function prefixed(prefix: string, value: Secret): Secret {
  return prefix === "" ? value : new Secret(prefix + value.reveal());
}

/** The `Authorization: Basic` value for a user and password (RFC 7617, UTF-8). */
export function basicValue(username: string, password: Secret): Secret {
  const pair = new TextEncoder().encode(`${username}:${password.reveal()}`);
  return new Secret(`Basic ${toBase64(pair)}`);
}
