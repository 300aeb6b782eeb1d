/**
 * Who is calling: the identity every policy, limit, cache key and audit record is keyed on.
 */

import { BoundedMap } from "../bounded_map.ts";

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

/**
 * The anonymous principal for a request from `address` (no client authentication configured):
 * one frozen object per address, shared by its requests.
 */
export function anonymousPrincipal(address: string | undefined): Principal {
  return anonymousCaller(address).principal;
}

/**
 * `principal` calling virtual server `server`. Why shared for an anonymous principal on `/mcp`:
 * every request of an address would build the same caller and keep it for the whole call (heap
 * per call in flight); a principal from a credential is its request's own.
 */
export function callerOf(principal: Principal, server: string): Caller {
  if (principal.kind === "anonymous" && server === DEFAULT_SERVER) {
    const shared = anonymousCaller(principal.address);
    if (shared.principal === principal) return shared;
  }
  return { principal, server };
}

/** The anonymous callers of `/mcp` by address (`undefined`: none known), frozen. */
const anonymousCallers = new BoundedMap<string | undefined, Caller>(1_024);

function anonymousCaller(address: string | undefined): Caller {
  let caller = anonymousCallers.get(address);
  if (caller === undefined) {
    const principal: Principal = Object.freeze({
      id: `anon:${address ?? "unknown"}`,
      kind: "anonymous",
      name: "anonymous",
      address,
      groups: Object.freeze([]),
    });
    caller = Object.freeze({ principal, server: DEFAULT_SERVER });
    anonymousCallers.set(address, caller);
  }
  return caller;
}

/** The principal of the local stdio client (whoever launched the process). */
export function stdioPrincipal(): Principal {
  return { id: "stdio", kind: "stdio", name: "stdio", groups: [] };
}

/** The name of the virtual server served at `/mcp`. */
export const DEFAULT_SERVER = "default";
