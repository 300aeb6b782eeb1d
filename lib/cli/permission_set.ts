/**
 * The one place Deno permission flags are written: `nexus permissions` and `deno task start`
 * (computed from the config, permissions.ts) and `deno task compile` (the container layout,
 * scripts/compile.ts) both describe a grant and render it here, so the variables, the network
 * rule and the subprocess rule cannot drift apart.
 */

/** The gateway's own variables: its config and Deno's OpenTelemetry (README "Observability"). */
export const GATEWAY_ENV = ["NEXUS_*", "OTEL_*"] as const;

/**
 * Variables npm dependencies read. Why each: postgres.js reads `PG*` (connection defaults) and
 * `USER`/`LOGNAME`/`USERNAME` (default user); yaml reads `LOG_TOKENS`/`LOG_STREAM`; @redis/client
 * reads `REDIS_DEBUG_MAINTENANCE` and `REDIS_EMIT_DIAGNOSTICS`; mysql2 reads `NODE_DEBUG` and `TZ`.
 * Found by grepping the pinned packages for `process.env` and confirmed by starting the gateway
 * with exactly this set (tests/deploy/permissions_int_test.ts); a missing one fails start-up with
 * `NotCapable`, since Deno answers an unlisted read with an error, not undefined.
 */
export const LIBRARY_ENV = [
  "PG*",
  "USER",
  "LOGNAME",
  "USERNAME",
  "LOG_TOKENS",
  "LOG_STREAM",
  "REDIS_DEBUG_MAINTENANCE",
  "REDIS_EMIT_DIAGNOSTICS",
  "NODE_DEBUG",
  "TZ",
] as const;

/**
 * What stdio children need besides their command: `PATH` (the command is looked up on it), `HOME`
 * (npx-style servers), and `NODE_V8_COVERAGE`, which node:child_process reads when spawning.
 */
export const CHILD_ENV = ["PATH", "HOME", "NODE_V8_COVERAGE"] as const;

/** One permission set: what may be read, written, read from the environment and run. */
export interface PermissionGrant {
  /** Paths readable (in the order given). */
  reads: readonly string[];
  /** Paths writable. */
  writes: readonly string[];
  /** Environment variables (`NAME` or `PREFIX*`), in the order given; duplicates dropped. */
  env: readonly string[];
  /**
   * Commands stdio upstreams run; empty: no subprocess permission at all. Always scoped: the
   * supervisor's stop works under it (process_group.ts signals the leader and closes its stdin
   * when Deno refuses the group signal), see README "Sandbox and egress".
   */
  run: readonly string[];
}

/**
 * Renders a grant as `deno run` / `deno compile` flags, never `-A`: `--allow-net` (unscoped: tools
 * and hot-reloaded upstreams name hosts at run time, and Deno cannot split listen from connect;
 * the egress checks judge every connection), read, write, one `--allow-env`, and `--allow-run`
 * only for named commands (with `CHILD_ENV`).
 * @throws Error `Cannot grant --allow-run: …` / `Cannot grant --allow-env: …` for a value that is
 *   not a single command or variable name (a comma would widen the grant)
 */
export function renderPermissions(grant: PermissionGrant): string[] {
  for (const command of grant.run) {
    if (command === "" || command.includes(",")) {
      throw new Error(`Cannot grant --allow-run: "${command}" is not a single command`);
    }
  }
  for (const name of grant.env) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*\*?$/.test(name)) {
      throw new Error(`Cannot grant --allow-env: "${name}" is not a variable name`);
    }
  }
  const run = [...new Set(grant.run)];
  const env = new Set([...grant.env, ...(run.length > 0 ? CHILD_ENV : [])]);
  return [
    "--allow-net",
    `--allow-read=${[...new Set(grant.reads)].join(",")}`,
    `--allow-write=${[...new Set(grant.writes)].join(",")}`,
    `--allow-env=${[...env].join(",")}`,
    ...(run.length > 0 ? [`--allow-run=${run.join(",")}`] : []),
    // No --allow-sys: nothing the gateway runs needs it (postgres.js falls back from
    // os.userInfo() to USER when refused; process memory comes from Deno.memoryUsage()).
  ];
}
