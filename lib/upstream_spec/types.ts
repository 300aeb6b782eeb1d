/**
 * The `upstreams:` entry shape, shared by `nexus.yaml` (config) and tool files (registry): the
 * validated types and their defaults.
 */

/** Upstream names: lower-case letters, digits, `_` and `-`. */
export const UPSTREAM_NAME_PATTERN: RegExp = /^[a-z0-9_-]{1,64}$/;

/** How the gateway reaches an upstream: Streamable HTTP, or a supervised stdio child. */
export type UpstreamTransport = HttpTransport | StdioTransport;

/** A Streamable HTTP upstream (either protocol era). */
export interface HttpTransport {
  /** Discriminant: always `"http"`. */
  kind: "http";
  /** The absolute MCP endpoint URL. */
  url: string;
}

/** A stdio upstream: a child process the gateway supervises. */
export interface StdioTransport {
  /** Discriminant: always `"stdio"`. */
  kind: "stdio";
  /** The program to run; never holds a credential reference. */
  command: string;
  /** Its arguments; never hold a credential reference (argv is visible to every local user). */
  args: string[];
  /** Values may hold `${credential:NAME}`, resolved from the vault when the child starts. */
  env: Record<string, string>;
  /** Working directory; default the gateway's. */
  cwd?: string;
}

/** Which upstream tools are federated, and how they are renamed and described. */
export interface UpstreamToolRules {
  /** Globs (`*`, `?`) over upstream tool names; empty means every tool. */
  allow: string[];
  /** Globs over upstream tool names; a denied tool is never listed, even when allowed. */
  deny: string[];
  /** Upstream name → new name; the prefix is put in front of the new name. */
  rename: Record<string, string>;
  /** Upstream name → description that replaces the upstream's own. */
  describe: Record<string, string>;
}

/** One validated upstream MCP server. */
export interface UpstreamSpec {
  /** Unique across `nexus.yaml` and every tool file. */
  name: string;
  /** `url:` or `stdio:`. */
  transport: UpstreamTransport;
  /** Vault credential: headers for HTTP; for stdio it is referenced in `env` values. */
  auth?: string;
  /** Put in front of every federated name; default the upstream name, `""` for none. */
  prefix: string;
  /** Between prefix and name; default `_`. */
  separator: string;
  /** Which tools are federated, renamed and re-described. */
  tools: UpstreamToolRules;
  /** Which prompts are federated (globs over prompt names), renamed and re-described. */
  prompts?: UpstreamToolRules;
  /**
   * Which resources and resource templates are federated: `allow`/`deny` globs over resource
   * URIs and URI templates (never renamed: a URI means the same thing everywhere).
   */
  resources?: UpstreamToolRules;
  /** Per-call timeout in milliseconds; default 30 000, at most 300 000. */
  timeoutMs: number;
  /** Most calls in flight at once; absent means unbounded. */
  maxConcurrent?: number;
  /** Calls that may wait for a slot beyond `maxConcurrent`; absent: 2 × `maxConcurrent`. */
  queue?: number;
  /** Longest wait for a slot in milliseconds; absent: 2 000. */
  queueTimeoutMs?: number;
  /** Circuit breaker settings; absent: 5 failures, 30 s. */
  breaker?: UpstreamBreakerSpec;
  /** Response-cache TTL for the upstream's tools marked `readOnlyHint`; absent: never cached. */
  cacheTtlMs?: number;
  /** Tool pinning mode (validated now; enforced by a later step). */
  pin: "tofu" | "manual" | "off";
  /**
   * `boot`: connected (stdio: started) and listed when the gateway starts, and kept running.
   * `lazy` (default): contacted at the gateway's first MCP request (or when added after it).
   */
  start: "lazy" | "boot";
  /** Stdio only: one child per caller (principal) instead of one shared child; absent: shared. */
  perClient?: UpstreamPerClientSpec;
}

/** `perClient:` of a stdio upstream: children per principal, stopped when idle, capped. */
export interface UpstreamPerClientSpec {
  /** A child with no call for this long (milliseconds) is stopped; default 5 minutes. */
  idleTimeoutMs: number;
  /** Most per-principal children at once (the listing child apart); default 32. */
  maxChildren: number;
}

/** `breaker:` of an upstream: when its circuit opens, and the first back-off before a probe. */
export interface UpstreamBreakerSpec {
  /** Consecutive failed calls that open the circuit; default 5. */
  failures: number;
  /** Milliseconds before the first probe; doubled after each failed probe, capped at 10×. */
  resetAfterMs: number;
}

/** Failed calls in a row that open an upstream's circuit, when `breaker.failures` is absent. */
export const DEFAULT_BREAKER_FAILURES = 5;
/** Back-off before the first probe, when `breaker.resetAfter` is absent. */
export const DEFAULT_BREAKER_RESET_MS = 30_000;
/** Idle time before a per-client child is stopped, when `perClient.idleTimeout` is absent. */
export const DEFAULT_PER_CLIENT_IDLE_MS = 300_000;
/** Per-principal children of one upstream at most, when `perClient.maxChildren` is absent. */
export const DEFAULT_PER_CLIENT_MAX = 32;
/** Longest wait for a call slot, when `queueTimeout` is absent. */
export const DEFAULT_QUEUE_TIMEOUT_MS = 2_000;

/** A problem with one key of an upstream entry, `path` from the `upstreams` list. */
export interface UpstreamProblem {
  /** Keys from the list down to the offending one (`[0, "stdio", "args", 1]`). */
  path: (string | number)[];
  /** What is wrong, lower case, no period. */
  message: string;
}
