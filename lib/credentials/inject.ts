/**
 * What a backend request carries for a credential (`OutboundAuth`), built once per resolved
 * credential and applied at request build time; and the redactor that scrubs the same secrets
 * (and their common encodings) from whatever comes back.
 */

import { Secret } from "../secret.ts";
import { toBase64 } from "./keyring.ts";
import { createRedactor, type Redactor } from "./redactor.ts";

/** Headers and query parameters to add to one backend request, and how to scrub its answers. */
export interface OutboundAuth {
  /** Header names and values to set, replacing a header of the same name the tool set itself. */
  readonly headers: ReadonlyArray<readonly [string, Secret]>;
  /** Query parameter names and values to set on the request URL. */
  readonly query: ReadonlyArray<readonly [string, Secret]>;
  /** Replaces every secret value in use (and its encodings) with `[redacted]`. */
  readonly redact: Redactor;
  /**
   * Non-secret URLs the credential carries, for tool files whose base URL comes from their
   * credential: the `baseUrl` setting, and URL fields of an OAuth token response (`instance_url`).
   */
  readonly fields?: Readonly<Record<string, string>>;
}

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
  fields?: Readonly<Record<string, string>>;
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
    fields: Object.freeze({ ...parts.fields }),
  };
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
