/**
 * Whether Deno's built-in OpenTelemetry traces (README "Observability"), read from the variables
 * the runtime itself reads at start, and the one setting the gateway requires with it.
 */

import type { GetEnv } from "./load.ts";

/** Samplers that follow the parent's sampled flag (or sample nothing). */
const PARENT_BASED = [
  "parentbased_always_on",
  "parentbased_always_off",
  "parentbased_traceidratio",
  "always_off",
];

/**
 * Whether traces are exported: `OTEL_DENO=true` or `OTEL_DENO_TRACING=true`, unless
 * `OTEL_SDK_DISABLED=true`; and the problem with the sampler when they are, if any.
 */
export function readOtelTracing(getEnv: GetEnv): { enabled: boolean; problem?: string } {
  const flag = (name: string) => getEnv(name)?.trim().toLowerCase();
  if (flag("OTEL_SDK_DISABLED") === "true") return { enabled: false };
  const tracing = flag("OTEL_DENO_TRACING");
  const enabled = tracing === undefined || tracing === ""
    ? flag("OTEL_DENO") === "true"
    : tracing === "true";
  if (!enabled) return { enabled };
  const sampler = flag("OTEL_TRACES_SAMPLER") ?? "";
  if (PARENT_BASED.includes(sampler)) return { enabled };
  // Why required: Deno's automatic fetch span records the full URL (HTTP tools put arguments,
  // and query credentials, there); the gateway keeps it out of the export by giving it a
  // non-sampled parent, which only a parent-based sampler honours (Deno's default samples all).
  return {
    enabled,
    problem: `OTEL_TRACES_SAMPLER: must be parentbased_always_on, parentbased_traceidratio, ` +
      `parentbased_always_off or always_off when OTEL_DENO traces (got "${sampler || "unset"}"): ` +
      `otherwise Deno's automatic fetch spans export backend URLs with their arguments`,
  };
}
