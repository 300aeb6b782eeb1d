/**
 * A credential version after opening: its settings, its secret fields as `Secret`s, and for the
 * static kinds the `OutboundAuth` every call reuses.
 */

import { Secret } from "../secret.ts";
import { basicValue, createOutboundAuth, type OutboundAuth, prefixed } from "./inject.ts";
import type { KindConfig, PlainSecret } from "./kinds.ts";

/** One opened credential version. */
export interface Material {
  readonly credentialId: string;
  readonly name: string;
  readonly version: number;
  readonly config: KindConfig;
  readonly secret: Readonly<Record<string, Secret>>;
  /** Static kinds: built once. OAuth kinds: undefined (the token changes). */
  readonly staticAuth?: OutboundAuth;
}

/** Wraps opened fields and builds the static injection where the kind has one. */
export function createMaterial(
  record: { credentialId: string; name: string; version: number; config: KindConfig },
  plain: PlainSecret,
): Material {
  const secret: Record<string, Secret> = {};
  for (const [key, value] of Object.entries(plain)) secret[key] = new Secret(value);
  return { ...record, secret, staticAuth: staticAuthOf(record.config, secret) };
}

function staticAuthOf(
  config: KindConfig,
  secret: Record<string, Secret>,
): OutboundAuth | undefined {
  const all = Object.values(secret);
  const fields = settingFields(config);
  switch (config.kind) {
    case "api_key": {
      const value = prefixed(config.prefix, secret.value!);
      return config.in === "header"
        ? createOutboundAuth({ headers: [[config.name, value]], secrets: all, fields })
        : createOutboundAuth({ query: [[config.name, value]], secrets: all, fields });
    }
    case "bearer":
      return createOutboundAuth({
        headers: [["authorization", prefixed("Bearer ", secret.token!)]],
        secrets: all,
        fields,
      });
    case "basic":
      return createOutboundAuth({
        headers: [["authorization", basicValue(config.username, secret.password!)]],
        secrets: all,
        pairs: [[config.username, secret.password!]],
        fields,
      });
    case "headers":
      return createOutboundAuth({ headers: Object.entries(secret), secrets: all, fields });
    case "oauth2_client_credentials":
    case "oauth2_refresh_token":
      return undefined;
  }
}

/**
 * The one secret value a static kind stands for, where an upstream takes a bare value (a stdio
 * child's environment): the bearer token, the API key value (without its prefix), the basic
 * password. Undefined for `headers` (several values) and OAuth kinds (their access token is
 * obtained per call; the resolver sets it).
 */
export function primarySecret(material: Material): Secret | undefined {
  switch (material.config.kind) {
    case "api_key":
      return material.secret.value;
    case "bearer":
      return material.secret.token;
    case "basic":
      return material.secret.password;
    default:
      return undefined;
  }
}

/**
 * The injection for an OAuth access token; the client secret and refresh token are redacted too.
 * `tokenFields` are the URL fields of the token response (`instance_url`); the settings'
 * `baseUrl` wins over a token field of the same name.
 */
export function bearerAuth(
  accessToken: Secret,
  material: Material,
  options: { extra?: Secret[]; tokenFields?: Readonly<Record<string, string>> } = {},
): OutboundAuth {
  return createOutboundAuth({
    headers: [["authorization", prefixed("Bearer ", accessToken)]],
    secrets: [accessToken, ...Object.values(material.secret), ...(options.extra ?? [])],
    fields: { ...options.tokenFields, ...settingFields(material.config) },
  });
}

/** The non-secret fields a credential's settings give tool files: its `baseUrl`. */
function settingFields(config: KindConfig): Record<string, string> {
  return config.baseUrl === undefined ? {} : { baseUrl: config.baseUrl };
}
