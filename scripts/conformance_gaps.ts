/**
 * Conformance scenarios known to fail on some targets, each with the reason and where the work
 * is (`scripts/conformance_compare.ts` reads this). `deno task conformance` reports a listed
 * failure as a known gap instead of failing, and a listed gap that passes as closed: delete its
 * entry then. Targets: `direct` (the fixture itself), `http` and `stdio` (the gateway fronting the
 * fixture as that kind of upstream), `client` (the gateway's upstream client).
 */

import type { KnownGap } from "./conformance_compare.ts";

/** The known gaps, by scenario. */
export const KNOWN_GAPS: readonly KnownGap[] = [
  ...gateway(
    ["http-custom-header-server-validation"],
    "2026-07-28",
    "the gateway's MCP endpoint does not check Mcp-Param headers against a federated tool's " +
      "x-mcp-header arguments (SEP-2243, server side): being fixed on conf-gaps",
  ),
];

/** One gap per scenario at one spec version, through the gateway as an HTTP and a stdio upstream. */
function gateway(scenarios: string[], specVersion: string, reason: string): KnownGap[] {
  return scenarios.map((scenario) => ({
    scenario,
    targets: ["http", "stdio"],
    specVersions: [specVersion],
    reason,
  }));
}
