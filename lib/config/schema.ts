/**
 * The one schema for gateway configuration, and the table that names each key's env variable.
 */

import { z } from "zod";
import { allowEntryProblem } from "../egress/mod.ts";
import { REDIS_PREFIX_PATTERN } from "../names.ts";
import { parseClientRef } from "./client_refs.ts";
import { readUpstreamSpecs, type UpstreamSpec } from "../upstream_spec/mod.ts";
import { LIMIT_SCOPES, POLICY_LIMIT_SCOPES, RATE_PATTERN, REMOVED_LIMIT_SCOPES } from "../rates.ts";

const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;

/** Asymmetric JWS algorithms a token may use; `none` and HMAC are never accepted. */
export const JWT_ALGORITHMS = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
] as const;

const SERVER_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const patterns = z.array(z.string().min(1)).default([]);

/** Client entries of a policy or server: each names its kind (`key:NAME` / `jwt:CLIENT`). */
const clientRefs = z.array(
  z.string().min(1).superRefine((entry, ctx) => {
    const parsed = parseClientRef(entry);
    if (typeof parsed === "string") ctx.addIssue({ code: "custom", message: parsed });
  }),
).default([]);

/** One virtual server (file-only): a named bundle of tools served at `/mcp/{name}`. */
const serverSchema = z.strictObject({
  description: z.string().optional(),
  tools: patterns,
  tags: patterns,
  clients: clientRefs,
  groups: patterns,
});

const rate = z.string().trim().regex(
  RATE_PATTERN,
  'must be a rate such as "60/min" (sec, min, hour, day)',
)
  .optional();

/** A policy's per-client limits: caller scopes only, each a rate. */
const policyRateLimitSchema = z.record(z.string(), z.string().trim()).superRefine(
  (limits, ctx) => {
    for (const [scope, value] of Object.entries(limits)) {
      const problem = policyLimitProblem(scope, value);
      if (problem !== undefined) ctx.addIssue({ code: "custom", path: [scope], message: problem });
    }
  },
);

function policyLimitProblem(scope: string, value: string): string | undefined {
  const allowed = POLICY_LIMIT_SCOPES.join(", ");
  const removed = REMOVED_LIMIT_SCOPES[scope];
  if (removed !== undefined) return removed;
  if ((POLICY_LIMIT_SCOPES as readonly string[]).includes(scope)) {
    return RATE_PATTERN.test(value)
      ? undefined
      : 'must be a rate such as "60/min" (sec, min, hour, day)';
  }
  if ((LIMIT_SCOPES as readonly string[]).includes(scope)) {
    return `a policy may override ${allowed} only: ${scope} is shared by all clients ` +
      "(set it in rateLimits or a tool file)";
  }
  return `unknown scope: a policy may override ${allowed}`;
}

/** One tool policy (file-only): who it applies to, which tools it allows or denies. */
const policySchema = z.strictObject({
  name: z.string().min(1).optional(),
  clients: clientRefs,
  groups: patterns,
  tools: patterns,
  tags: patterns,
  deny: patterns,
  rateLimit: policyRateLimitSchema.optional(),
});

/**
 * Default limits per scope (file-only `rateLimits`); a tool's own `rateLimit` replaces them, and a
 * policy's `rateLimit` replaces both for the clients it applies to (caller scopes only).
 */
const rateLimitsSchema = z.strictObject({
  perClient: rate,
  perSession: removedScope("perSession"),
  perTool: rate,
  perCredential: rate,
  perHost: rate,
  global: rate,
}).transform(({ perSession: _removed, ...limits }) => limits);

/** A key that is refused with the reason it was removed (`REMOVED_LIMIT_SCOPES`). */
function removedScope(scope: string) {
  return z.unknown().optional().superRefine((value, ctx) => {
    if (value !== undefined) {
      ctx.addIssue({ code: "custom", message: REMOVED_LIMIT_SCOPES[scope] ?? "is not supported" });
    }
  });
}

/** Upstream MCP servers (file-only): the shape tool files accept too (`lib/upstream_spec/`). */
const upstreamsSchema = z.unknown().transform((value, ctx): UpstreamSpec[] => {
  const { specs, problems } = readUpstreamSpecs(value);
  for (const { path, message } of problems) ctx.addIssue({ code: "custom", path, message });
  return specs;
});

const DURATION_TEXT = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const DURATION_UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A duration (`250ms`, `10s`, `2m`) or a number of milliseconds, as milliseconds. */
const durationMs = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const match = typeof value === "string" ? DURATION_TEXT.exec(value.trim()) : undefined;
  const ms = typeof value === "number"
    ? value
    : match
    ? Number(match[1]) * (DURATION_UNIT_MS[match[2] as string] ?? 0)
    : NaN;
  if (Number.isFinite(ms) && ms >= 1 && ms <= 300_000) return Math.round(ms);
  ctx.addIssue({ code: "custom", message: 'must be a duration such as "10s", at most 5m' });
  return z.NEVER;
});

/** One database SQL tools may query (file-only); the URL is a secret (`Config` wraps it). */
const databaseSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, "must be 1-64 of a-z 0-9 _ -"),
  url: z.string().min(1).refine(
    (url) => /^(postgres|postgresql|mysql|mariadb):\/\//.test(url),
    "must be a postgres://, postgresql://, mysql:// or mariadb:// URL",
  ),
  kind: z.enum(["postgres", "mysql"]).optional(),
  maxConnections: z.number().int().min(1).max(100).default(5),
  statementTimeout: durationMs.default(10_000),
  maxRows: z.number().int().min(1).max(10_000).default(100),
  maxBytes: z.number().int().min(1024).max(10_000_000).default(100_000),
}).transform(({ url, kind, ...rest }) => ({
  ...rest,
  url,
  // Why inferred: the scheme already says which wire protocol to speak.
  kind: kind ?? (/^(mysql|mariadb):/.test(url) ? "mysql" as const : "postgres" as const),
}));

/** Gateway configuration after validation; secrets are wrapped by `loadConfig`. */
export const configSchema = z.strictObject({
  host: z.string().min(1).default("127.0.0.1"),
  port: z.coerce.number().int().min(0).max(65535).default(8080),
  toolsDir: z.string().min(1).default("./tools"),
  dataDir: z.string().min(1).default("./.nexus"),
  databaseUrl: z.string().url().optional(),
  redisUrl: z.string().url().optional(),
  masterKey: z.string().min(1).optional(),
  masterKeyFile: z.string().min(1).optional(),
  allowedOrigins: z.array(z.string().min(1)).default([]),
  allowedHosts: z.array(z.string().min(1)).default([]),
  maxBodyBytes: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
  logLevel: z.enum(LOG_LEVELS).default("info"),
  toolsPageSize: z.coerce.number().int().min(1).max(1000).default(100),
  listTtlMs: z.coerce.number().int().min(0).default(60_000),
  hotReload: z.preprocess(parseBoolean, z.boolean()).default(true),
  toolEnvPrefix: z.string().regex(/^[A-Z][A-Z0-9_]{2,63}$/, "must be 3-64 of A-Z 0-9 _")
    .default("NEXUS_TOOL_"),
  toolEnv: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be a variable name"))
    .default([]),
  maxListenStreams: z.coerce.number().int().min(1).default(1024),
  // Connection bounds (hardening issue): slow or idle clients are cut off, one client cannot hold
  // every notification stream, and streams end when their credential does.
  maxClientStreams: z.coerce.number().int().min(1).default(32),
  streamRecheckMs: z.coerce.number().int().min(100).max(300_000).default(5_000),
  headerTimeoutMs: z.coerce.number().int().min(100).max(600_000).default(10_000),
  bodyTimeoutMs: z.coerce.number().int().min(100).max(600_000).default(30_000),
  idleTimeoutMs: z.coerce.number().int().min(100).max(3_600_000).default(60_000),
  // Zero-loss drain (scale issue): SIGTERM turns /readyz unready, the listener keeps accepting for
  // the settle time, calls in flight get until the drain deadline (counted from SIGTERM).
  drainMs: z.coerce.number().int().min(0).max(3_600_000).default(25_000),
  drainSettleMs: z.coerce.number().int().min(0).max(3_600_000).default(5_000),
  // Admission control (perf issue): absent maxInflight is derived from the V8 heap limit at start.
  maxInflight: z.coerce.number().int().min(1).max(1_000_000).optional(),
  queueMax: z.coerce.number().int().min(0).max(1_000_000).optional(),
  queueTimeoutMs: z.coerce.number().int().min(0).max(600_000).default(1_000),
  // Per-client share and shedding readiness (memory issue): absent share is half of maxInflight.
  maxInflightPerClient: z.coerce.number().int().min(1).max(1_000_000).optional(),
  shedUnreadyMs: z.coerce.number().int().min(0).max(600_000).default(5_000),
  demoApi: z.preprocess(parseBoolean, z.boolean()).default(true),
  // Hot path (perf issue 15): plain tools/call answered without the SDK's per-request machinery.
  directDispatch: z.preprocess(parseBoolean, z.boolean()).default(true),
  // Client authentication, policies, virtual servers, admin API and audit (auth issue).
  resourceUrl: z.string().url().optional(),
  authIssuer: z.string().url().optional(),
  authAudience: z.string().min(1).optional(),
  authJwksUrl: z.string().url().optional(),
  authAlgorithms: z.array(z.enum(JWT_ALGORITHMS)).min(1).default(["RS256", "PS256", "ES256"]),
  authClockSkewSec: z.coerce.number().int().min(0).max(300).default(30),
  authClientClaim: z.string().min(1).default("azp"),
  authGroupsClaim: z.string().min(1).default("groups"),
  authRequireAtJwt: z.preprocess(parseBoolean, z.boolean()).default(true),
  allowAnonymous: z.preprocess(parseBoolean, z.boolean()).default(false),
  adminGroup: z.string().min(1).optional(),
  // The admin console's OIDC sign-in (authorization code + PKCE, public client): its client id.
  consoleOidcClientId: z.string().min(1).optional(),
  auditArguments: z.preprocess(parseBoolean, z.boolean()).default(false),
  auditRetentionDays: z.coerce.number().int().min(0).default(90),
  auditBufferSize: z.coerce.number().int().min(10).max(1_000_000).default(10_000),
  policies: z.array(policySchema).default([]),
  servers: z.record(z.string().regex(SERVER_NAME), serverSchema).default({}),
  // Rate limits and response cache (rate-limit issue).
  redisPrefix: z.string().regex(REDIS_PREFIX_PATTERN, "must be 1-64 of A-Z a-z 0-9 _ . : -")
    .default("nexus"),
  redisTimeoutMs: z.coerce.number().int().min(10).max(60_000).default(250),
  rateLimits: rateLimitsSchema.default({}),
  rateLimitFailOpen: z.array(z.enum(LIMIT_SCOPES)).default([]),
  cacheValueBytes: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(256 * 1024),
  cacheMemoryBytes: z.coerce.number().int().min(1024 * 1024).default(64 * 1024 * 1024),
  cacheErrorTtlMs: z.coerce.number().int().min(0).max(86_400_000).default(0),
  // Egress control (sandbox issue): hosts or CIDRs always allowed, and whether loopback and
  // private ranges are refused.
  egressAllow: z.array(
    z.string().trim().min(1).superRefine((entry, ctx) => {
      const problem = allowEntryProblem(entry);
      if (problem !== undefined) {
        ctx.addIssue({ code: "custom", message: `"${entry}": ${problem}` });
      }
    }),
  ).default([]),
  egressPrivate: z.enum(["allow", "deny"]).default("allow"),
  egressDns: z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[0-9.]+):\d{1,5}$/, "must be ip:port")
    .optional(),
  // Which client sends plain-HTTP upstream requests: Nexus's lean HTTP/1.1 one, or Deno's fetch.
  egressHttpClient: z.enum(["lean", "fetch"]).default("lean"),
  // Upstream MCP servers federated behind the gateway (federation issue).
  upstreams: upstreamsSchema.default([]),
  // Databases SQL tools query (database backend issue).
  databases: z.array(databaseSchema).default([]).superRefine((list, ctx) => {
    const names = list.map((database) => database.name);
    const twice = names.filter((name, i) => names.indexOf(name) !== i);
    if (twice.length > 0) {
      ctx.addIssue({ code: "custom", message: `duplicate database name: ${twice.join(", ")}` });
    }
  }),
});

// Why `@ignore` on `RawConfig`: `deno doc --lint` (Deno 2.9) reports every npm type a public type
// names as a private-type-ref (denoland/deno#27364), and this type is zod's inference from the
// schema, so it must name zod's `output` and the schema value. `@ignore` keeps the alias out of the
// generated docs and the lint without changing a type; drop it once Deno ships the fix.

/**
 * Validated gateway configuration as the schema parses it, secrets still plain strings (`Config`
 * wraps them).
 * @ignore
 */
export type RawConfig = z.infer<typeof configSchema>;

function parseBoolean(value: unknown): unknown {
  if (value === "true" || value === "1") return true;
  if (value === "false" || value === "0") return false;
  return value;
}
