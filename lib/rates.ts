/**
 * The rate-limit vocabulary shared by the config file, tool files and the limiter: scope names and
 * the `N/unit` rate syntax. One definition, so the three can never disagree.
 */

/** The scopes a limit can count by. */
export const LIMIT_SCOPES = [
  "perClient",
  "perSession",
  "perTool",
  "perCredential",
  "perHost",
  "global",
] as const;

/** A scope a limit counts by. */
export type LimitScope = typeof LIMIT_SCOPES[number];

/** Scopes a policy may override per client: those counting one caller's calls. */
export const POLICY_LIMIT_SCOPES = ["perClient", "perSession"] as const;

/** A rate as written in config and tool files: `60/min`; units sec, min, hour, day. */
export const RATE_PATTERN = /^([1-9]\d*)\/(sec|min|hour|day)$/;

/** Whether `scope` is one of `LIMIT_SCOPES`. */
export function isLimitScope(scope: string): scope is LimitScope {
  return (LIMIT_SCOPES as readonly string[]).includes(scope);
}
