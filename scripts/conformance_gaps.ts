/**
 * Conformance scenarios known to fail on some targets, each with the reason and where the work
 * is (`scripts/conformance_compare.ts` reads this). `deno task conformance` reports a listed
 * failure as a known gap instead of failing, and a listed gap that passes as closed: delete its
 * entry then. Targets: `direct` (the fixture itself), `http` and `stdio` (the gateway fronting the
 * fixture as that kind of upstream), `client` (the gateway's upstream client).
 */

import type { KnownGap } from "./conformance_compare.ts";

/**
 * The known gaps, by scenario: none. Each entry is `{ scenario, targets, specVersions?, reason }`,
 * the reason saying what differs, why, and what closing it would take.
 */
export const KNOWN_GAPS: readonly KnownGap[] = [];
