/**
 * Egress control: every outbound connection the gateway makes is judged by address (see
 * README.md, "Sandbox and egress"). The address logic lives here and nowhere else.
 */

import { createEgressFetch, type EgressFetch } from "./fetch.ts";
import { createHttp1Client } from "./http1.ts";
import { createEgressPolicy, type EgressRules } from "./policy.ts";
import { cachedResolver, createResolver } from "./resolve.ts";

export { formatIp, type IpAddress, parseCidr, parseIp } from "./address.ts";
export {
  allowEntryProblem,
  createEgressPolicy,
  type EgressPolicy,
  type EgressRules,
  type EgressVerdict,
} from "./policy.ts";
/**
 * `cachedResolver()` reuses a name's addresses for 30 s (`DNS_CACHE_TTL_MS`, at most 1,024 names);
 * every request still judges them. Raises nothing.
 */
export {
  cachedResolver,
  createResolver,
  DNS_CACHE_MAX_NAMES,
  DNS_CACHE_TTL_MS,
  type DnsCacheOptions,
  type Resolver,
} from "./resolve.ts";
export { createEgressFetch, type EgressFetch, type EgressFetchOptions } from "./fetch.ts";
export { createHttp1Client, type Http1Client, type Http1Request } from "./http1.ts";

/** The egress slice of the config. */
export interface EgressConfig extends EgressRules {
  /** A DNS server (`ip:port`) to resolve with instead of the system resolver. */
  readonly nameServer?: string;
  /**
   * `lean` (default): plain-HTTP requests with a text body or none go through Nexus's HTTP/1.1
   * client (`http1.ts`); `fetch`: every request through the runtime's fetch. With `wrapSend`,
   * always fetch, so every request passes the wrapped send.
   */
  readonly httpClient?: "lean" | "fetch";
  /**
   * Wraps the runtime's fetch that sends each judged request (OpenTelemetry's client spans,
   * README "Observability"); absent: the runtime's fetch as it is.
   */
  readonly wrapSend?: (send: typeof fetch) => typeof fetch;
}

/**
 * Replaces `globalThis.fetch` with the egress-checked fetch for the life of the process, so
 * HTTP tools, TypeScript tools, HTTP upstreams, OAuth token requests and JWKS fetches are all
 * judged (they call the global fetch). Returns the guard; `close()` restores the runtime's fetch.
 * A denied request throws a `GatewayError` EGRESS_DENIED.
 * @throws Error when an allow entry or the DNS server is invalid (config validates both first)
 */
export function installEgressGuard(config: EgressConfig): EgressFetch {
  const original = globalThis.fetch;
  // Why global: TypeScript tools and npm libraries (the MCP SDK's transport, jose) call the global
  // fetch; patching it once at the process entry is the only way every fetch is judged.
  const guard = createEgressFetch({
    policy: createEgressPolicy(config),
    // Why cached: a lookup per request costs a round trip to the resolver on every call.
    resolve: cachedResolver(createResolver(config.nameServer)),
    send: config.wrapSend ? config.wrapSend(original) : original,
    ...(config.httpClient === "fetch" || config.wrapSend !== undefined
      ? {}
      : { http1: createHttp1Client() }),
  });
  globalThis.fetch = guard.fetch;
  return {
    fetch: guard.fetch,
    close() {
      if (globalThis.fetch === guard.fetch) globalThis.fetch = original;
      guard.close();
    },
  };
}
