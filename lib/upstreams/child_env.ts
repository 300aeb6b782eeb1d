/** The environment a stdio upstream starts with: a minimal safe base plus its own `env`. */

/** Variables copied from the gateway's environment into every child (values only if set). */
export const INHERITED_ENV = ["PATH", "HOME"] as const;

/**
 * Returns `PATH` and `HOME` from the gateway's environment overlaid with `env`.
 *
 * Why never the full environment: the gateway's holds NEXUS_MASTER_KEY and database URLs. Why read
 * here and not through lib/config: these two are how the host finds programs, not gateway config,
 * and an unreadable variable (no --allow-env) is simply left out.
 */
export function childEnv(env: Record<string, string>): Record<string, string> {
  const base: Record<string, string> = {};
  for (const name of INHERITED_ENV) {
    try {
      const value = Deno.env.get(name);
      if (value !== undefined) base[name] = value;
    } catch {
      // Why: without permission the child simply starts without it.
    }
  }
  return { ...base, ...env };
}
