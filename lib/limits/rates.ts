/**
 * Rates (`60/min`), scopes, and which limits one call is subject to, in two steps: before the
 * tool is looked up, the client's and the gateway's budgets (`rateLimits.perClient`, or the
 * caller's policy override, and `rateLimits.global`); once the tool is known, its own `rateLimit`
 * and the defaults of the scopes that need a tool (perTool, perCredential, perHost).
 */

import { LIMIT_SCOPES, type LimitScope, POLICY_LIMIT_SCOPES, RATE_PATTERN } from "../rates.ts";

// Why: re-exported so limit callers keep one import; the definition is lib/rates.ts.
export { LIMIT_SCOPES, type LimitScope };

/**
 * The scopes that count one caller's calls, the only ones a policy may override for a client or
 * group. Why not the others: perTool, perCredential, perHost and global count every client's calls
 * to protect a backend, so one client's override would lift (or sink) everyone's shared ceiling.
 */
export const CALLER_SCOPES: typeof POLICY_LIMIT_SCOPES = POLICY_LIMIT_SCOPES;

/** Limits by scope, each a rate such as `60/min`. */
export type LimitSpec = Partial<Record<LimitScope, string>>;

/** A parsed rate: `limit` calls per `windowMs`. */
export interface Rate {
  /** Calls admitted per window; at least 1. */
  limit: number;
  /** The window's length in milliseconds (1 000 for `sec` up to 86 400 000 for `day`). */
  windowMs: number;
}

/** What a call is counted by once its tool is known; absent subjects skip the scopes that need them. */
export interface LimitedCall {
  /** The tool's name; `perClient` and `perTool` count calls to it. */
  tool: string;
  /** The tool's own limits (its `rateLimit` key), overriding the defaults scope by scope. */
  limits?: Readonly<Record<string, string>>;
  /**
   * The caller's own limits (its policy's `rateLimit`), replacing the tool's own `perClient`, up
   * or down; other scopes in it are ignored.
   */
  overrides?: Readonly<Record<string, string>>;
  /** Client identity (`Principal.id`; the source address for anonymous callers). */
  client: string;
  /** Backend origin (`https://api.example.com`), for HTTP tools. */
  host?: string;
  /** Credential scope the backend call is made with (the tool's `auth` name). */
  credential?: string;
}

/** What a call is counted by before its tool is looked up: only who is calling. */
export interface AdmittedCall {
  /** Client identity (`Principal.id`; the source address for anonymous callers). */
  client: string;
  /** The caller's own limits (its policy's `rateLimit`); only `perClient` is read. */
  overrides?: Readonly<Record<string, string>>;
}

/** One limit that applies to a call, with the counter it is counted in. */
export interface AppliedLimit {
  /** The scope the limit counts by. */
  scope: LimitScope;
  /** The rate as written, for messages (`60/min`). */
  rate: string;
  /** Calls admitted per window, parsed from `rate`. */
  limit: number;
  /** The window's length in milliseconds, parsed from `rate`. */
  windowMs: number;
  /** Counter id; calls with the same id are counted together. */
  id: string;
}

/**
 * The scopes of the gateway-wide budgets, spent before the tool is looked up or the arguments
 * validated, so unknown, denied and invalid calls count too: `rateLimits.perClient` (or the
 * caller's policy override) per client across every call, `rateLimits.global` across every call.
 */
export const ADMISSION_SCOPES = ["perClient", "global"] as const satisfies readonly LimitScope[];

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
 * The budgets a call spends before its tool is known: the client's (`perClient`: the caller's
 * override, else the default) across every tool name, and the gateway's (`global` default).
 * Why across every name: the name is the caller's to choose, and an unknown or denied tool must
 * count exactly like a real one (a per-name counter would let a flood of made-up names through,
 * and would tell a caller which tools exist).
 */
export function admissionLimits(call: AdmittedCall, defaults: LimitSpec): AppliedLimit[] {
  const applied: AppliedLimit[] = [];
  const clientRate = overrideOf(call.overrides, "perClient") ?? defaults.perClient;
  // Why `*` in the ids: tool names never contain it, so these counters never meet a tool's own.
  push(applied, "perClient", clientRate, `*:${call.client}`);
  push(applied, "global", defaults.global, "*");
  return applied;
}

/**
 * The limits `call` is subject to once its tool is known and its arguments valid: the tool's own
 * `rateLimit` (its `perClient` replaced by the caller's override, up or down), and the defaults of
 * the scopes that need a tool (perTool, perCredential, perHost). The default `perClient` and
 * `global` are not here: {@linkcode admissionLimits} spent them already. Per-tool scopes
 * (perClient, perTool) count calls to this tool; perCredential, perHost and a tool's own `global`
 * count calls to every tool that shares the subject and the window length. An override changes the
 * rate, not the counter: a client's calls count in the same place whatever rate it is held to.
 */
export function appliedLimits(call: LimitedCall, defaults: LimitSpec): AppliedLimit[] {
  const applied: AppliedLimit[] = [];
  for (const scope of LIMIT_SCOPES) {
    const own = call.limits?.[scope];
    const rate = scope === "perClient"
      ? own === undefined ? undefined : overrideOf(call.overrides, scope) ?? own
      : own ?? (isAdmissionScope(scope) ? undefined : defaults[scope]);
    push(applied, scope, rate, subjectOf(scope, call));
  }
  return applied;
}

function push(
  applied: AppliedLimit[],
  scope: LimitScope,
  rate: string | undefined,
  subject: string | undefined,
): void {
  if (rate === undefined || subject === undefined) return;
  const parsed = parseRate(rate);
  if (parsed === undefined) return;
  // Why: the window length is part of the id because sub-window indexes only line up between
  // counters of one window length; tools sharing a host with another window count apart.
  applied.push({ scope, rate, ...parsed, id: `${scope}:${parsed.windowMs}:${subject}` });
}

function isAdmissionScope(scope: LimitScope): boolean {
  return (ADMISSION_SCOPES as readonly LimitScope[]).includes(scope);
}

function overrideOf(
  overrides: Readonly<Record<string, string>> | undefined,
  scope: LimitScope,
): string | undefined {
  if (overrides === undefined) return undefined;
  if (!(CALLER_SCOPES as readonly LimitScope[]).includes(scope)) return undefined;
  const rate = overrides[scope];
  // Why: the config schema rejects a bad rate; were one to slip through, ignoring it keeps the
  // tool's or default limit in force instead of silently lifting the limit.
  return rate !== undefined && parseRate(rate) !== undefined ? rate : undefined;
}

function subjectOf(scope: LimitScope, call: LimitedCall): string | undefined {
  switch (scope) {
    case "perClient":
      return `${call.tool}:${call.client}`;
    case "perTool":
      return call.tool;
    case "perCredential":
      return call.credential;
    case "perHost":
      return call.host;
    case "global":
      // Why not `*`: the admission counter `global:<window>:*` already counted this call; a
      // tool's own `global` counts the calls of the tools that set one, apart from it.
      return "tools";
  }
}
