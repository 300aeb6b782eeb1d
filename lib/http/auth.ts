/**
 * Authentication at the HTTP edge: the `Authorization` header of an MCP or admin request becomes
 * a `Caller` (or `Principal`), or an HTTP 401 with `WWW-Authenticate` pointing at the OAuth
 * protected resource metadata (RFC 9728), which this file also serves, so MCP clients following
 * the MCP authorization spec find the authorization server by themselves.
 */

import type { Authenticator, Caller, Policy, Principal } from "../auth/mod.ts";
import { GatewayError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { edgeErrorResponse } from "./responses.ts";

/** What edge authentication needs. */
export interface HttpAuthOptions {
  authenticator: Authenticator;
  /** The policy in force (it reloads; read it per request). */
  policy: () => Policy;
  logger: Logger;
  /** This gateway's canonical MCP URL (`https://mcp.example.com/mcp`); else from the request. */
  resourceUrl?: string;
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
  /** The administrator of an admin API request, or the response refusing it. */
  adminPrincipal(request: Request, address: string | undefined): Promise<Principal | Response>;
  /** The RFC 9728 metadata document; `suffix` is the resource path after the well-known path. */
  metadata(request: Request, suffix: string): Response;
}

/** The well-known path of the protected resource metadata document. */
export const METADATA_PATH = "/.well-known/oauth-protected-resource";

/** Creates edge authentication. Raises nothing; failures become responses. */
export function createHttpAuth(options: HttpAuthOptions): HttpAuth {
  function metadataUrl(request: Request): string {
    const origin = options.resourceUrl ? new URL(options.resourceUrl).origin : originOf(request);
    return `${origin}${METADATA_PATH}`;
  }
  function refuse(request: Request, error: unknown): Response {
    if (!(error instanceof GatewayError)) throw error;
    if (error.code === "UNAUTHENTICATED") {
      const presented = request.headers.has("authorization");
      const params = [`resource_metadata="${metadataUrl(request)}"`];
      if (presented) params.push(`error="invalid_token"`, `error_description="${quoted(error)}"`);
      const response = edgeErrorResponse(error);
      response.headers.set("www-authenticate", `Bearer ${params.join(", ")}`);
      return response;
    }
    if (error.code === "UPSTREAM_UNAVAILABLE") {
      options.logger.error("Cannot authenticate: identity provider unavailable", { error });
      return edgeErrorResponse(error, null, 503);
    }
    return edgeErrorResponse(error);
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
        return refuse(request, error);
      }
      // Why: a virtual server the caller may not use answers exactly like one that does not
      // exist, so callers cannot enumerate endpoints they are denied.
      if (!options.policy().mayEnter(principal, server)) return notFound();
      return { principal, server };
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
        return refuse(request, error);
      }
    },
    metadata(request, suffix) {
      const origin = options.resourceUrl ? new URL(options.resourceUrl).origin : originOf(request);
      const resource = suffix === "" || suffix === "/"
        ? options.resourceUrl ?? `${origin}/mcp`
        : `${origin}${suffix}`;
      return Response.json({
        resource,
        authorization_servers: options.issuer === undefined ? [] : [options.issuer],
        bearer_methods_supported: ["header"],
        resource_name: "Nexus MCP gateway",
      }, { headers: { "cache-control": "public, max-age=300" } });
    },
  };
}

/** The 404 every unknown (or not permitted) endpoint answers. */
export function notFound(): Response {
  return Response.json({ error: "Not found" }, { status: 404 });
}

function originOf(request: Request): string {
  return new URL(request.url).origin;
}

function quoted(error: GatewayError): string {
  return error.message.replace(/["\\]/g, "'");
}
