/**
 * CSRF and DNS-rebinding protection: the `Origin` and `Host` headers of a request to `/mcp`,
 * `/admin` or `/metrics` are checked against allowlists before anything runs; `/.well-known` gets
 * the `Host` check only (its documents are public).
 */

import { BoundedMap } from "../bounded_map.ts";
import { GatewayError } from "../errors.ts";

/** What the guard allows. */
export interface GuardOptions {
  /** Exact origins (`https://app.example.com`) browsers may call from. */
  allowedOrigins: readonly string[];
  /** Host names (port-agnostic) the `Host` header may name; empty: see `loopback`. */
  allowedHosts: readonly string[];
  /** The gateway listens on a loopback address: localhost-class origins and hosts are allowed. */
  loopback: boolean;
}

const LOCAL_HOSTNAMES = new Set(["localhost", "127.0.0.1", "[::1]"]);
const MAX_HOST_VERDICTS = 64;

/** Whether a listen address is loopback-only. */
export function isLoopbackAddress(host: string): boolean {
  return host === "localhost" || host === "::1" || host === "[::1]" || host.startsWith("127.");
}

/**
 * Returns a check that answers `ORIGIN_FORBIDDEN` for a foreign `Origin` or `Host`.
 * @throws nothing; the check returns the error instead.
 */
export function createRequestGuard(
  options: GuardOptions,
): (request: Request) => GatewayError | undefined {
  const origins = new Set(options.allowedOrigins.map(normalizeOrigin));
  const checkHost = createHostGuard(options);
  return function checkRequest(request: Request): GatewayError | undefined {
    const origin = request.headers.get("origin");
    if (origin !== null && !originAllowed(origin, origins, options.loopback)) {
      return new GatewayError("ORIGIN_FORBIDDEN", `Forbidden: origin not allowed: ${origin}`);
    }
    return checkHost(request);
  };
}

/**
 * Returns a check that answers `ORIGIN_FORBIDDEN` for a foreign `Host` (any `Origin` passes).
 * @throws nothing; the check returns the error instead.
 */
export function createHostGuard(
  options: GuardOptions,
): (request: Request) => GatewayError | undefined {
  const hosts = new Set(options.allowedHosts.map((host) => host.toLowerCase()));
  // Why a memo: judging a Host parses it as a URL, and every request names one of a few hosts.
  const verdicts = new BoundedMap<string, boolean>(MAX_HOST_VERDICTS);
  return function checkHost(request: Request): GatewayError | undefined {
    const host = request.headers.get("host");
    let allowed = host === null ? undefined : verdicts.get(host);
    if (allowed === undefined) {
      allowed = hostAllowed(host, hosts, options.loopback);
      if (host !== null) verdicts.set(host, allowed);
    }
    if (!allowed) {
      return new GatewayError("ORIGIN_FORBIDDEN", `Forbidden: host not allowed: ${host ?? ""}`);
    }
    return undefined;
  };
}

/**
 * The origin (`http://localhost:8080`) a request reached the gateway at, when its `Host` header is
 * one the allowlist (or, on loopback, the local names) vouches for; `undefined` when the header
 * is absent, foreign, or not checked at all (a non-loopback gateway without `allowedHosts`).
 * Raises nothing.
 */
export function createTrustedOrigin(
  options: GuardOptions,
): (request: Request) => string | undefined {
  const hosts = new Set(options.allowedHosts.map((host) => host.toLowerCase()));
  return function trustedOrigin(request: Request): string | undefined {
    if (hosts.size === 0 && !options.loopback) return undefined;
    const host = request.headers.get("host");
    if (host === null || !hostAllowed(host, hosts, options.loopback)) return undefined;
    try {
      return new URL(`${new URL(request.url).protocol}//${host}`).origin;
    } catch {
      return undefined;
    }
  };
}

function originAllowed(origin: string, allowed: ReadonlySet<string>, loopback: boolean): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // Why: includes the opaque "null" origin; deny what cannot be parsed.
  }
  if (allowed.has(url.origin)) return true;
  const web = url.protocol === "http:" || url.protocol === "https:";
  return loopback && web && LOCAL_HOSTNAMES.has(url.hostname);
}

function hostAllowed(
  host: string | null,
  allowed: ReadonlySet<string>,
  loopback: boolean,
): boolean {
  if (allowed.size === 0 && !loopback) return true;
  if (host === null) return false;
  const hostname = hostnameOf(host);
  if (hostname === undefined) return false;
  if (allowed.has(hostname)) return true;
  return allowed.size === 0 && LOCAL_HOSTNAMES.has(hostname);
}

function hostnameOf(host: string): string | undefined {
  try {
    return new URL(`http://${host}`).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

function normalizeOrigin(origin: string): string {
  try {
    return new URL(origin).origin;
  } catch {
    return origin;
  }
}
