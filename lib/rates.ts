/**
 * The rate-limit vocabulary shared by the config file, tool files, the limiter and the HTTP
 * backend: scope names, the `N/unit` rate syntax and `Retry-After`. One definition, so they can
 * never disagree.
 */

/** The scopes a limit can count by. */
export const LIMIT_SCOPES = [
  "perClient",
  "perTool",
  "perCredential",
  "perHost",
  "global",
] as const;

/** A scope a limit counts by. */
export type LimitScope = typeof LIMIT_SCOPES[number];

/** Scopes a policy may override per client: those counting one caller's calls. */
export const POLICY_LIMIT_SCOPES = ["perClient"] as const;

/**
 * Scopes that are no longer accepted anywhere a rate is written, with why; each is refused with
 * this message. Why `perSession` went: HTTP serving is stateless (any instance answers any
 * request, and no request carries a session the gateway keeps), so a per-session count could never
 * apply; one caller's calls are counted by `perClient`.
 */
export const REMOVED_LIMIT_SCOPES: Readonly<Record<string, string>> = {
  perSession: "is no longer supported: HTTP serving is stateless; use perClient",
};

/** A rate as written in config and tool files: `60/min`; units sec, min, hour, day. */
export const RATE_PATTERN = /^([1-9]\d*)\/(sec|min|hour|day)$/;

/** Whether `scope` is one of `LIMIT_SCOPES`. */
export function isLimitScope(scope: string): scope is LimitScope {
  return (LIMIT_SCOPES as readonly string[]).includes(scope);
}

/** Milliseconds to wait from a `Retry-After` value (delay-seconds or HTTP-date), if it parses. */
export function parseRetryAfter(value: string, now: number): number | undefined {
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
