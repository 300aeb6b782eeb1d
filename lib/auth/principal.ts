/**
 * Who is calling: the identity every policy, limit, cache key and audit record is keyed on.
 */

/** How a caller proved who it is. */
export type PrincipalKind = "anonymous" | "api_key" | "jwt" | "stdio";

/** An authenticated (or explicitly anonymous) caller identity. */
export interface Principal {
  /** Stable identity: `anon:<address>`, `key:<key id>`, `jwt:<issuer>#<subject>`, `stdio`. */
  id: string;
  /** How the caller proved who it is: API key, JWT, nothing (anonymous) or the stdio pipe. */
  kind: PrincipalKind;
  /** Human-readable name for logs and audit (client name, key label, token subject). */
  name: string;
  /** Network address the request came from, when known. */
  address?: string;
  /** Groups or roles the policies match on. */
  groups: readonly string[];
  /** Tool patterns this credential is limited to (an API key created with `--tools`). */
  tools?: readonly string[];
}

/** A principal on one endpoint: `/mcp` is the `default` virtual server, `/mcp/{name}` another. */
export interface Caller {
  /** Who is calling. */
  principal: Principal;
  /** The virtual server called: `default` for `/mcp`, else the `{name}` of `/mcp/{name}`. */
  server: string;
}

/** The anonymous principal for a request from `address` (no client authentication configured). */
export function anonymousPrincipal(address: string | undefined): Principal {
  const where = address ?? "unknown";
  return { id: `anon:${where}`, kind: "anonymous", name: "anonymous", address, groups: [] };
}

/** The principal of the local stdio client (whoever launched the process). */
export function stdioPrincipal(): Principal {
  return { id: "stdio", kind: "stdio", name: "stdio", groups: [] };
}

/** The name of the virtual server served at `/mcp`. */
export const DEFAULT_SERVER = "default";
