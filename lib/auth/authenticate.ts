/**
 * Who is calling: a bearer token (API key or JWT) becomes a `Principal`, or the request is
 * refused. The rule for anonymous callers is the safe default of README "Security": an MCP request
 * without a token is served anonymously only while no authentication method is configured and no
 * client key exists, and only on a loopback address (or with `allowAnonymous`). The admin API is
 * never anonymous: it needs an admin key or a JWT carrying the admin group.
 */

import { GatewayError } from "../errors.ts";
import type { ApiKeyVerifier } from "./api_keys.ts";
import { isApiKey } from "./api_keys.ts";
import type { JwtVerifier } from "./jwt.ts";
import { anonymousPrincipal, type Principal } from "./principal.ts";

/** What authentication is built from; absent parts are not configured. */
export interface AuthenticatorOptions {
  /** Checks `nxk_` keys against the store; absent: every API key is refused. */
  apiKeys?: ApiKeyVerifier;
  /** Checks OIDC JWTs (then MCP requests always need a token); absent: JWTs are refused. */
  jwt?: JwtVerifier;
  /** JWT group that may use the admin API. */
  adminGroup?: string;
  /**
   * Whether unauthenticated MCP callers may be served when nothing is configured (never admin
   * callers).
   */
  anonymousAllowed: boolean;
}

/** Authenticates MCP and admin requests. */
export interface Authenticator {
  /**
   * The principal of an MCP request from its `Authorization` header value.
   * @throws GatewayError UNAUTHENTICATED (missing or invalid token), UPSTREAM_UNAVAILABLE (no JWKS).
   */
  authenticate(authorization: string | null, address?: string): Promise<Principal>;
  /**
   * The principal of an admin API request; never anonymous.
   * @throws GatewayError UNAUTHENTICATED (naming `nexus clients create NAME --admin` while no
   *   admin key or admin group exists), or FORBIDDEN for a valid non-admin credential.
   */
  authenticateAdmin(authorization: string | null, address?: string): Promise<Principal>;
  /** Whether MCP requests must carry a token right now. */
  required(): Promise<boolean>;
}

/** Creates the authenticator. Raises nothing at creation. */
export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const { apiKeys, jwt } = options;
  async function required(): Promise<boolean> {
    if (jwt !== undefined) return true;
    return apiKeys !== undefined && await apiKeys.anyActive("mcp");
  }
  async function adminConfigured(): Promise<boolean> {
    if (options.adminGroup !== undefined) return true;
    return apiKeys !== undefined && await apiKeys.anyActive("admin");
  }
  return {
    async authenticate(authorization, address) {
      const token = bearerOf(authorization);
      if (token === undefined) {
        if (!options.anonymousAllowed || await required()) throw missingToken();
        return anonymousPrincipal(address);
      }
      if (isApiKey(token)) {
        if (apiKeys === undefined) throw new GatewayError("UNAUTHENTICATED", "Invalid API key");
        return withAddress(await apiKeys.verify(token, "mcp"), address);
      }
      if (jwt !== undefined) return withAddress(await jwt.verify(token), address);
      if (!options.anonymousAllowed || await required()) {
        throw new GatewayError("UNAUTHENTICATED", "Invalid token");
      }
      return anonymousPrincipal(address);
    },
    async authenticateAdmin(authorization, address) {
      const token = bearerOf(authorization);
      if (token === undefined) {
        // Why: `anonymousAllowed` covers MCP tool traffic only; an anonymous admin could mint
        // keys for anyone who reaches the port (or a web page the operator opens).
        if (await adminConfigured()) throw missingToken();
        throw new GatewayError(
          "UNAUTHENTICATED",
          "Unauthorized: the admin API needs an admin key: create one with " +
            "nexus clients create NAME --admin",
        );
      }
      if (isApiKey(token)) {
        if (apiKeys === undefined) throw new GatewayError("UNAUTHENTICATED", "Invalid API key");
        return withAddress(await apiKeys.verify(token, "admin"), address);
      }
      if (jwt === undefined || options.adminGroup === undefined) {
        throw new GatewayError("UNAUTHENTICATED", "Invalid token");
      }
      const principal = await jwt.verify(token);
      if (!principal.groups.includes(options.adminGroup)) {
        throw new GatewayError("FORBIDDEN", "Forbidden: not an administrator");
      }
      return withAddress(principal, address);
    },
    required,
  };
}

function missingToken(): GatewayError {
  return new GatewayError("UNAUTHENTICATED", "Unauthorized: send Authorization: Bearer <token>");
}

/** The token of a `Bearer` authorization header; undefined when absent or another scheme. */
function bearerOf(authorization: string | null): string | undefined {
  if (authorization === null) return undefined;
  const match = /^Bearer[ \t]+([^\s]+)\s*$/i.exec(authorization);
  return match?.[1];
}

function withAddress(principal: Principal, address: string | undefined): Principal {
  return address === undefined ? principal : { ...principal, address };
}
