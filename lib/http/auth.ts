/**
 * Authentication at the HTTP edge: the `Authorization` header of an MCP or admin request becomes
 * a `Caller` (or `Principal`), or an HTTP 401 with `WWW-Authenticate` pointing at the OAuth
 * protected resource metadata (RFC 9728), which this file also serves, so MCP clients following
 * the MCP authorization spec find the authorization server by themselves.
 *
 * The documents are built from configuration only: `resourceUrl` when set, else the origin of a
 * `Host` header the allowlist vouches for (never a `Host` nobody checked). `/mcp` points at the
 * root document, `/mcp/{name}` at its own, whose `resource` is exactly that endpoint's URL
 * (RFC 9728 §3.3).
 */

import {
  type Authenticator,
  type Caller,
  callerOf,
  DEFAULT_SERVER,
  type Policy,
  type Principal,
} from "../auth/mod.ts";
import { GatewayError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { apiErrorResponse, edgeErrorResponse } from "./responses.ts";

/** What edge authentication needs. */
export interface HttpAuthOptions {
  /** Resolves the bearer header (API key or JWT) to a principal; its refusals are answered here. */
  authenticator: Authenticator;
  /** The policy in force (it reloads; read it per request). */
  policy: () => Policy;
  /** Where refusals (MCP: info, admin: warn) and an unreachable identity provider are logged. */
  logger: Logger;
  /** This gateway's canonical MCP URL (`https://mcp.example.com/mcp`). */
  resourceUrl?: string;
  /**
   * Without `resourceUrl`: the origin a request reached the gateway at when its `Host` header is
   * vouched for (`createTrustedOrigin`), else undefined.
   */
  trustedOrigin: (request: Request) => string | undefined;
  /** The OIDC issuer clients get tokens from, named in the metadata document. */
  issuer?: string;
}

/** Edge authentication. */
export interface HttpAuth {
  /** The caller of an MCP request to virtual server `server`, or the response refusing it. */
  mcpCaller(
    request: Request,
    address: string | undefined,
    server: string,
  ): Promise<Caller | Response>;
  /** The administrator of an admin API request, or the (admin-shaped) response refusing it. */
  adminPrincipal(request: Request, address: string | undefined): Promise<Principal | Response>;
  /** The RFC 9728 metadata document of virtual server `server` (`default`: `/mcp`). */
  metadata(request: Request, server: string): Response;
}

/** The well-known path of the protected resource metadata document. */
export const METADATA_PATH = "/.well-known/oauth-protected-resource";

/** Creates edge authentication. Raises nothing; failures become responses. */
export function createHttpAuth(options: HttpAuthOptions): HttpAuth {
  function originOf(request: Request): string | undefined {
    return options.resourceUrl === undefined
      ? options.trustedOrigin(request)
      : new URL(options.resourceUrl).origin;
  }
  function resourceOf(request: Request, server: string): string | undefined {
    const origin = originOf(request);
    if (origin === undefined) return undefined;
    const base = (options.resourceUrl ?? `${origin}/mcp`).replace(/\/+$/, "");
    return server === DEFAULT_SERVER ? base : `${base}/${encodeURIComponent(server)}`;
  }
  function metadataUrl(request: Request, server: string): string | undefined {
    const origin = originOf(request);
    if (origin === undefined) return undefined;
    return server === DEFAULT_SERVER
      ? `${origin}${METADATA_PATH}`
      : `${origin}${METADATA_PATH}/mcp/${encodeURIComponent(server)}`;
  }
  function challenge(request: Request, error: GatewayError, server: string): string {
    const pointer = metadataUrl(request, server);
    const params = pointer === undefined ? [] : [`resource_metadata="${pointer}"`];
    if (request.headers.has("authorization")) {
      params.push(`error="invalid_token"`, `error_description="${quoted(error)}"`);
    }
    return params.length === 0 ? "Bearer" : `Bearer ${params.join(", ")}`;
  }
  function refuse(
    request: Request,
    error: unknown,
    { server, admin }: { server: string; admin: boolean },
  ): Response {
    if (!(error instanceof GatewayError)) throw error;
    const unavailable = error.code === "UPSTREAM_UNAVAILABLE";
    if (unavailable) {
      options.logger.error("Cannot authenticate: identity provider unavailable", { error });
    }
    const status = unavailable ? 503 : undefined;
    const response = admin
      ? apiErrorResponse(error, { status })
      : edgeErrorResponse(error, null, status);
    if (error.code === "UNAUTHENTICATED") {
      response.headers.set("www-authenticate", challenge(request, error, server));
    }
    return response;
  }
  return {
    async mcpCaller(request, address, server) {
      let principal: Principal;
      try {
        principal = await options.authenticator.authenticate(
          request.headers.get("authorization"),
          address,
        );
      } catch (error) {
        if (error instanceof GatewayError) {
          options.logger.info("MCP request refused", { reason: error.message, address });
        }
        return refuse(request, error, { server, admin: false });
      }
      // Why: a virtual server the caller may not use answers exactly like one that does not
      // exist, so callers cannot enumerate endpoints they are denied.
      if (!options.policy().mayEnter(principal, server)) return notFound();
      return callerOf(principal, server);
    },
    async adminPrincipal(request, address) {
      try {
        return await options.authenticator.authenticateAdmin(
          request.headers.get("authorization"),
          address,
        );
      } catch (error) {
        if (error instanceof GatewayError) {
          options.logger.warn("Admin request refused", { reason: error.message, address });
        }
        return refuse(request, error, { server: DEFAULT_SERVER, admin: true });
      }
    },
    metadata(request, server) {
      const resource = resourceOf(request, server);
      if (resource === undefined) {
        return apiErrorResponse(
          new GatewayError(
            "NOT_FOUND",
            "Not found: protected resource metadata needs NEXUS_RESOURCE_URL or NEXUS_ALLOWED_HOSTS",
          ),
        );
      }
      // Why: a document built from a Host header (even a vouched-for one) must not be stored by
      // a shared cache and served to clients that came in under another name.
      const cache: Record<string, string> = options.resourceUrl === undefined
        ? { "cache-control": "private, max-age=300", vary: "Host" }
        : { "cache-control": "public, max-age=300" };
      return Response.json({
        resource,
        authorization_servers: options.issuer === undefined ? [] : [options.issuer],
        bearer_methods_supported: ["header"],
        resource_name: "Nexus MCP gateway",
      }, { headers: cache });
    },
  };
}

/** The 404 every unknown (or not permitted) endpoint answers. */
export function notFound(): Response {
  return Response.json({ error: "Not found" }, { status: 404 });
}

function quoted(error: GatewayError): string {
  return error.message.replace(/["\\]/g, "'");
}
