/**
 * Credential kinds: the non-secret settings each kind takes (validated), the secret fields it
 * seals, and how a secret is read from operator input (stdin, a file, an env variable, a JSON body).
 */

import { GatewayError } from "../errors.ts";

/** Every credential kind. */
export const CREDENTIAL_KINDS = [
  "api_key",
  "bearer",
  "basic",
  "headers",
  "oauth2_client_credentials",
  "oauth2_refresh_token",
] as const;

/** How an OAuth client authenticates to the token endpoint (RFC 6749 §2.3.1). */
export type ClientAuthMethod = "client_secret_basic" | "client_secret_post";

/** Settings of an OAuth kind. */
export interface OAuthConfig {
  /** The provider's token endpoint, an http(s) URL. */
  tokenUrl: string;
  /** The OAuth client id (public; the client secret, if any, is sealed). */
  clientId: string;
  /** Scopes asked for in each token request (space-separated); empty: no `scope` parameter. */
  scopes: string[];
  /** Non-standard but common (Auth0, Okta): the API the token is for. */
  audience?: string;
  /** How the client secret reaches the token endpoint; default `client_secret_basic`. */
  authMethod: ClientAuthMethod;
}

/**
 * The non-secret settings of a credential version, by kind. Stored as JSON, shown by `show`.
 * Every kind may carry `baseUrl`: the site the credential belongs to (a Jira Cloud site, a
 * ServiceNow instance), which tool files can use as their base URL (`baseUrl: { fromCredential }`).
 */
export type KindConfig =
  & (
    | { kind: "api_key"; in: "header" | "query"; name: string; prefix: string }
    | { kind: "bearer" }
    | { kind: "basic"; username: string }
    | { kind: "headers"; names: string[] }
    | ({ kind: "oauth2_client_credentials" } & OAuthConfig)
    | ({ kind: "oauth2_refresh_token" } & OAuthConfig)
  )
  & { baseUrl?: string };

/** Secret fields as sealed (JSON object of strings); never logged, never returned. */
export type PlainSecret = Record<string, string>;

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const UNSAFE_VALUE = /[\r\n\0]/;

/**
 * Validates the settings of `kind` from loose input (CLI flags, an admin API body).
 * @throws GatewayError INVALID_INPUT listing every problem.
 */
export function parseKindConfig(kind: string, input: Record<string, unknown>): KindConfig {
  const problems: string[] = [];
  const str = (key: string, fallback?: string): string => {
    const value = input[key] ?? fallback;
    if (typeof value === "string" && value !== "") return value;
    problems.push(`"${key}" is required for kind ${kind}`);
    return "";
  };
  const config = buildConfig(kind, input, str, problems);
  if (config === undefined) {
    problems.push(`unknown kind "${kind}" (one of ${CREDENTIAL_KINDS.join(", ")})`);
  }
  const baseUrl = readBaseUrlSetting(input.baseUrl, problems);
  if (problems.length > 0 || config === undefined) {
    throw new GatewayError("INVALID_INPUT", `Invalid credential settings: ${problems.join("; ")}`);
  }
  return baseUrl === undefined ? config : { ...config, baseUrl };
}

/** `baseUrl`: an absolute http(s) URL without credentials, query or fragment; trailing `/` cut. */
function readBaseUrlSetting(value: unknown, problems: string[]): string | undefined {
  if (value === undefined || value === "") return undefined;
  let url: URL | undefined;
  try {
    url = typeof value === "string" ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  const ok = url !== undefined && (url.protocol === "https:" || url.protocol === "http:") &&
    url.username === "" && url.password === "" && url.search === "" && url.hash === "";
  if (!ok) {
    problems.push(`"baseUrl" must be an http(s) URL without credentials, query or fragment`);
    return undefined;
  }
  return (value as string).trim().replace(/\/+$/, "");
}

function buildConfig(
  kind: string,
  input: Record<string, unknown>,
  str: (key: string, fallback?: string) => string,
  problems: string[],
): KindConfig | undefined {
  switch (kind) {
    case "api_key": {
      const where = input.in ?? "header";
      if (where !== "header" && where !== "query") problems.push(`"in" must be header or query`);
      const name = str("name", where === "query" ? "api_key" : "X-API-Key");
      if (where === "header" && !TOKEN.test(name)) problems.push(`"name" is not a header name`);
      const prefix = typeof input.prefix === "string" ? input.prefix : "";
      if (UNSAFE_VALUE.test(prefix)) problems.push(`"prefix" cannot contain CR, LF or NUL`);
      return { kind, in: where === "query" ? "query" : "header", name, prefix };
    }
    case "bearer":
      return { kind };
    case "basic": {
      const username = str("username");
      if (username.includes(":")) problems.push(`"username" cannot contain ":" (RFC 7617)`);
      return { kind, username };
    }
    case "headers":
      return { kind, names: [] };
    case "oauth2_client_credentials":
    case "oauth2_refresh_token":
      return { kind, ...oauthConfig(input, str, problems) };
    default:
      return undefined;
  }
}

function oauthConfig(
  input: Record<string, unknown>,
  str: (key: string) => string,
  problems: string[],
): OAuthConfig {
  const tokenUrl = str("tokenUrl");
  if (tokenUrl !== "" && !/^https?:\/\//.test(tokenUrl)) {
    problems.push(`"tokenUrl" must be an http(s) URL`);
  }
  const scopes = Array.isArray(input.scopes)
    ? input.scopes.filter((s): s is string => typeof s === "string" && s !== "")
    : typeof input.scopes === "string"
    ? input.scopes.split(/[\s,]+/).filter((s) => s !== "")
    : [];
  const authMethod = input.authMethod ?? "client_secret_basic";
  if (authMethod !== "client_secret_basic" && authMethod !== "client_secret_post") {
    problems.push(`"authMethod" must be client_secret_basic or client_secret_post`);
  }
  const audience = typeof input.audience === "string" && input.audience !== ""
    ? input.audience
    : undefined;
  return {
    tokenUrl,
    clientId: str("clientId"),
    scopes,
    ...(audience === undefined ? {} : { audience }),
    authMethod: authMethod === "client_secret_post" ? "client_secret_post" : "client_secret_basic",
  };
}

/**
 * Reads the secret of `kind` from operator input text. Single-value kinds take the text as is
 * (one trailing newline removed, as `echo` adds one); `headers` takes a JSON object of header
 * values; `oauth2_refresh_token` takes a JSON object `{ "refreshToken", "clientSecret"? }` or the
 * bare refresh token (a public client).
 * @throws GatewayError INVALID_INPUT naming what is wrong, never echoing the input.
 */
export function parseSecretInput(kind: KindConfig["kind"], text: string): PlainSecret {
  const value = text.replace(/\r?\n$/, "");
  if (value === "") throw badSecret("the secret is empty");
  switch (kind) {
    case "api_key":
      return { value: checkValue(value, "the key") };
    case "bearer":
      return { token: checkValue(value, "the token") };
    case "basic":
      return { password: checkValue(value, "the password") };
    case "oauth2_client_credentials":
      return { clientSecret: value };
    case "headers":
      return headersSecret(parseJsonObject(value, "a JSON object of header names to values"));
    case "oauth2_refresh_token": {
      if (!value.trimStart().startsWith("{")) return { refreshToken: value };
      const object = parseJsonObject(value, `{ "refreshToken": "...", "clientSecret": "..." }`);
      const out: PlainSecret = {};
      for (const key of ["refreshToken", "clientSecret"]) {
        const field = object[key];
        if (field === undefined) continue;
        if (typeof field !== "string" || field === "") throw badSecret(`"${key}" must be text`);
        out[key] = field;
      }
      if (out.refreshToken === undefined) throw badSecret(`"refreshToken" is required`);
      return out;
    }
  }
}

/** The settings with whatever the secret determines (the header names of a `headers` kind). */
export function completeConfig(config: KindConfig, secret: PlainSecret): KindConfig {
  if (config.kind !== "headers") return config;
  return { ...config, names: Object.keys(secret).sort() };
}

function headersSecret(object: Record<string, unknown>): PlainSecret {
  const out: PlainSecret = {};
  const entries = Object.entries(object);
  if (entries.length === 0) throw badSecret("no headers given");
  for (const [name, field] of entries) {
    if (!TOKEN.test(name)) throw badSecret(`"${name}" is not a header name`);
    if (typeof field !== "string" || field === "") {
      throw badSecret(`header "${name}" must be non-empty text`);
    }
    out[name.toLowerCase()] = checkValue(field, `header "${name}"`);
  }
  return out;
}

function parseJsonObject(text: string, shape: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw badSecret(`expected ${shape}: not valid JSON`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw badSecret(`expected ${shape}`);
  }
  return value as Record<string, unknown>;
}

function checkValue(value: string, what: string): string {
  if (UNSAFE_VALUE.test(value)) throw badSecret(`${what} cannot contain CR, LF or NUL`);
  return value;
}

function badSecret(problem: string): GatewayError {
  return new GatewayError("INVALID_INPUT", `Invalid secret: ${problem}`);
}

/** Whether a kind obtains short-lived tokens from an OAuth token endpoint. */
export function isOAuthKind(
  kind: string,
): kind is "oauth2_client_credentials" | "oauth2_refresh_token" {
  return kind === "oauth2_client_credentials" || kind === "oauth2_refresh_token";
}
