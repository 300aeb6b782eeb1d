/**
 * The OAuth 2.0 token endpoint client (RFC 6749): the client credentials grant (§4.4) and the
 * refresh token grant (§6), with client authentication by HTTP Basic or in the body (§2.3.1).
 * Messages never carry a secret or the endpoint's host; error text from the provider is redacted.
 */

import { GatewayError } from "../errors.ts";
import { Secret } from "../secret.ts";
import { toBase64 } from "./keyring.ts";
import type { OAuthConfig } from "./kinds.ts";

/** A grant to request. */
export type Grant =
  | { type: "client_credentials" }
  | { type: "refresh_token"; refreshToken: Secret };

/** An issued access token. */
export interface IssuedToken {
  accessToken: Secret;
  /** Epoch ms the provider says the token expires. */
  expiresAt: number;
  /** Epoch ms after which the gateway fetches a new one ("shortly before expiry"). */
  refreshAt: number;
  /** A new refresh token when the provider rotates them. */
  refreshToken?: Secret;
  /**
   * Non-secret URL fields of the token response (Salesforce `instance_url`, `id`): every
   * top-level string that is an http(s) URL, except the token fields.
   */
  fields: Record<string, string>;
}

/** What a token request needs besides the settings and the grant. */
export interface TokenRequestOptions {
  clientSecret?: Secret;
  fetch: typeof fetch;
  now: () => number;
  timeoutMs: number;
  /** Scrubs secrets from provider error text. */
  redact: (text: string) => string;
}

/** Lifetime assumed when a provider omits `expires_in` (RFC 6749 §5.1 makes it optional). */
export const DEFAULT_LIFETIME_MS = 5 * 60_000;
const MAX_SKEW_MS = 30_000;

/**
 * Requests a token at the configured endpoint.
 * @throws GatewayError UPSTREAM_ERROR when the endpoint refuses (with its `error` code) or answers
 * something that is not a bearer token response; UPSTREAM_UNAVAILABLE or UPSTREAM_TIMEOUT when it
 * cannot be reached in time.
 */
export async function requestToken(
  config: OAuthConfig,
  grant: Grant,
  options: TokenRequestOptions,
): Promise<IssuedToken> {
  const { body, headers } = tokenRequest(config, grant, options.clientSecret);
  const signal = AbortSignal.timeout(options.timeoutMs);
  let response: Response;
  const started = options.now();
  try {
    // Why manual: a redirect would carry the client secret (and refresh token) to another URL.
    response = await options.fetch(config.tokenUrl, {
      method: "POST",
      headers,
      body,
      signal,
      redirect: "manual",
    });
  } catch {
    if (signal.aborted) {
      throw new GatewayError(
        "UPSTREAM_TIMEOUT",
        `Token endpoint did not answer within ${options.timeoutMs} ms`,
      );
    }
    throw new GatewayError("UPSTREAM_UNAVAILABLE", "Cannot reach the token endpoint");
  }
  const text = await response.text().catch(() => "");
  if (!response.ok) throw refusal(response.status, text, grant, options.redact);
  return parseTokenResponse(text, started, options.redact);
}

function tokenRequest(
  config: OAuthConfig,
  grant: Grant,
  clientSecret: Secret | undefined,
): { body: URLSearchParams; headers: Headers } {
  const body = new URLSearchParams({ grant_type: grant.type });
  if (grant.type === "refresh_token") body.set("refresh_token", grant.refreshToken.reveal());
  if (config.scopes.length > 0) body.set("scope", config.scopes.join(" "));
  if (config.audience !== undefined) body.set("audience", config.audience);
  const headers = new Headers({
    "content-type": "application/x-www-form-urlencoded",
    "accept": "application/json",
  });
  if (clientSecret !== undefined && config.authMethod === "client_secret_basic") {
    // Why: RFC 6749 §2.3.1 form-encodes id and secret before base64; providers that skip this
    // still accept it for the usual unreserved characters.
    const pair = `${formEncode(config.clientId)}:${formEncode(clientSecret.reveal())}`;
    headers.set("authorization", `Basic ${toBase64(new TextEncoder().encode(pair))}`);
  } else {
    body.set("client_id", config.clientId);
    if (clientSecret !== undefined) body.set("client_secret", clientSecret.reveal());
  }
  return { body, headers };
}

function parseTokenResponse(
  text: string,
  started: number,
  redact: (text: string) => string,
): IssuedToken {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text);
  } catch {
    throw malformed("not JSON");
  }
  const accessToken = json?.access_token;
  if (typeof accessToken !== "string" || accessToken === "") throw malformed("no access_token");
  const tokenType = typeof json.token_type === "string" ? json.token_type : "";
  if (tokenType.toLowerCase() !== "bearer") {
    throw malformed(`token_type "${redact(tokenType).slice(0, 40)}" is not Bearer`);
  }
  const expiresIn = Number(json.expires_in);
  const lifetimeMs = Number.isFinite(expiresIn) && expiresIn > 0
    ? expiresIn * 1000
    : DEFAULT_LIFETIME_MS;
  const refreshToken = typeof json.refresh_token === "string" && json.refresh_token !== ""
    ? new Secret(json.refresh_token)
    : undefined;
  return {
    accessToken: new Secret(accessToken),
    fields: urlFields(json),
    expiresAt: started + lifetimeMs,
    refreshAt: started + lifetimeMs - Math.min(MAX_SKEW_MS, lifetimeMs / 10),
    ...(refreshToken === undefined ? {} : { refreshToken }),
  };
}

const TOKEN_FIELDS = new Set(["access_token", "refresh_token", "id_token"]);

// Why URLs only: a token response may carry other secrets (an `id_token`, a `signature`); a URL
// such as Salesforce's `instance_url` is where the token is to be used, not a secret.
function urlFields(json: Record<string, unknown>): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(json)) {
    if (TOKEN_FIELDS.has(key) || typeof value !== "string") continue;
    if (/^https?:\/\/[^\s]+$/.test(value) && value.length <= 2048) fields[key] = value;
  }
  return fields;
}

function refusal(
  status: number,
  text: string,
  grant: Grant,
  redact: (text: string) => string,
): GatewayError {
  let code = "";
  let description = "";
  try {
    const json = JSON.parse(text);
    if (typeof json?.error === "string") code = json.error;
    if (typeof json?.error_description === "string") description = json.error_description;
  } catch {
    // Why: a non-JSON error page carries nothing the caller can act on; the status is enough.
  }
  const what = grant.type === "refresh_token" ? "refresh token" : "client credentials";
  const detail = [code, description].filter((part) => part !== "").join(": ");
  const hint = code === "invalid_grant" && grant.type === "refresh_token"
    ? " (rotate the credential with a new refresh token)"
    : "";
  return new GatewayError(
    "UPSTREAM_ERROR",
    `Token endpoint refused the ${what}: HTTP ${status}${
      detail === "" ? "" : `: ${redact(detail).slice(0, 300)}`
    }${hint}`,
    { data: { status, ...(code === "" ? {} : { oauthError: code }) } },
  );
}

function malformed(problem: string): GatewayError {
  return new GatewayError("UPSTREAM_ERROR", `Token endpoint answered an invalid token: ${problem}`);
}

function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}
