/**
 * Rates (`60/min`), scopes, and which limits one call is subject to: the gateway defaults from
 * `nexus.yaml` (`rateLimits`), the tool's own `rateLimit` replacing them scope by scope, and the
 * caller's policy override (`policies[].rateLimit`) replacing both in the scopes it may override.
 */

import { LIMIT_SCOPES, type LimitScope, POLICY_LIMIT_SCOPES, RATE_PATTERN } from "../rates.ts";

// Why: re-exported so limit callers keep one import; the definition is lib/rates.ts.
export { LIMIT_SCOPES, type LimitScope };

/**
 * The scopes that count one caller's calls, the only ones a policy may override for a client or
 * group. Why not the others: perTool, perCredential, perHost and global count every client's calls
 * to protect a backend, so one client's override would lift (or sink) everyone's shared ceiling.
 */
export const CALLER_SCOPES = POLICY_LIMIT_SCOPES;

/** Limits by scope, each a rate such as `60/min`. */
export type LimitSpec = Partial<Record<LimitScope, string>>;

/** A parsed rate: `limit` calls per `windowMs`. */
export interface Rate {
  limit: number;
  windowMs: number;
}

/** What a call is counted by; absent subjects skip the scopes that need them. */
export interface LimitedCall {
  tool: string;
  /** The tool's own limits (its `rateLimit` key), overriding the defaults scope by scope. */
  limits?: Readonly<Record<string, string>>;
  /**
   * The caller's own limits (its policy's `rateLimit`), overriding the tool's and the defaults in
   * the {@linkcode CALLER_SCOPES}, up or down; other scopes in it are ignored.
   */
  overrides?: Readonly<Record<string, string>>;
  /** Client identity (`Principal.id`; the source address for anonymous callers). */
  client: string;
  /** MCP session id, when the client has a session. */
  session?: string;
  /** Backend origin (`https://api.example.com`), for HTTP tools. */
  host?: string;
  /** Credential scope the backend call is made with (the tool's `auth` name). */
  credential?: string;
}

/** One limit that applies to a call, with the counter it is counted in. */
export interface AppliedLimit {
  scope: LimitScope;
  /** The rate as written, for messages (`60/min`). */
  rate: string;
  limit: number;
  windowMs: number;
  /** Counter id; calls with the same id are counted together. */
  id: string;
}

const UNIT_MS: Readonly<Record<string, number>> = {
  sec: 1000,
  min: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
};

/** The rate in `text` (`60/min`), or undefined when it is not one. */
export function parseRate(text: string): Rate | undefined {
  const match = RATE_PATTERN.exec(text.trim());
  if (!match) return undefined;
  return { limit: Number(match[1]), windowMs: UNIT_MS[match[2]!]! };
}

/**
 * The limits `call` is subject to, per scope: the caller's override (caller scopes only), else the
 * tool's own, else the default. Per-tool scopes (perClient, perSession, perTool) count calls to
 * this tool; perCredential, perHost and global count calls to every tool that shares the subject
 * and the window length. An override changes the rate, not the counter: a client's calls count
 * in the same place whatever rate it is held to (the id changes only with the window length).
 */
export function appliedLimits(call: LimitedCall, defaults: LimitSpec): AppliedLimit[] {
  const applied: AppliedLimit[] = [];
  for (const scope of LIMIT_SCOPES) {
    const rate = overrideOf(call, scope) ?? call.limits?.[scope] ?? defaults[scope];
    if (rate === undefined) continue;
    const parsed = parseRate(rate);
    const subject = subjectOf(scope, call);
    if (parsed === undefined || subject === undefined) continue;
    // Why: the window length is part of the id because sub-window indexes only line up between
    // counters of one window length; tools sharing a host with another window count apart.
    applied.push({ scope, rate, ...parsed, id: `${scope}:${parsed.windowMs}:${subject}` });
  }
  return applied;
}

function overrideOf(call: LimitedCall, scope: LimitScope): string | undefined {
  if (call.overrides === undefined) return undefined;
  if (!(CALLER_SCOPES as readonly LimitScope[]).includes(scope)) return undefined;
  const rate = call.overrides[scope];
  // Why: the config schema rejects a bad rate; were one to slip through, ignoring it keeps the
  // tool's or default limit in force instead of silently lifting the limit.
  return rate !== undefined && parseRate(rate) !== undefined ? rate : undefined;
}

function subjectOf(scope: LimitScope, call: LimitedCall): string | undefined {
  switch (scope) {
    case "perClient":
      return `${call.tool}:${call.client}`;
    case "perSession":
      return call.session === undefined ? undefined : `${call.tool}:${call.session}`;
    case "perTool":
      return call.tool;
    case "perCredential":
      return call.credential;
    case "perHost":
      return call.host;
    case "global":
      return "*";
  }
}
