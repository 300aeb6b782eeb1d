/**
 * The `upstreams:` entry shape, shared by `nexus.yaml` (config) and tool files (registry), so an
 * upstream one of them accepts is never refused by the other.
 */

/** Upstream names: lower-case letters, digits, `_` and `-`. */
export { UPSTREAM_NAME_PATTERN } from "./types.ts";
/** The defaults of `breaker`, `perClient` and `queueTimeout`. */
export {
  DEFAULT_BREAKER_FAILURES,
  DEFAULT_BREAKER_RESET_MS,
  DEFAULT_PER_CLIENT_IDLE_MS,
  DEFAULT_PER_CLIENT_MAX,
  DEFAULT_QUEUE_TIMEOUT_MS,
} from "./types.ts";
/** A validated upstream, its parts and a problem with one key; types only. */
export type {
  HttpTransport,
  StdioTransport,
  UpstreamBreakerSpec,
  UpstreamPerClientSpec,
  UpstreamProblem,
  UpstreamSpec,
  UpstreamToolRules,
  UpstreamTransport,
} from "./types.ts";
/** `readUpstreamSpecs()` validates an `upstreams:` list; raises nothing (returns problems). */
export { readUpstreamSpecs } from "./read.ts";
