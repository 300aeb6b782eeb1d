/**
 * Reviewing one upstream's pins on a live upstream set: what `nexus upstreams diff|approve` and
 * the admin API (`/admin/upstreams/:name/diff|approve`) both run, so they answer alike.
 */

import { GatewayError } from "../errors.ts";
import type { JsonObject } from "../registry/mod.ts";
import type { ToolPinRepo, ToolPinRow } from "../store/mod.ts";
import { approvePins, checkPins, type PinCheck } from "./pinning.ts";
import type { UpstreamSet } from "./upstream_set_types.ts";

/**
 * The tools upstream `name` lists now (after allow/deny, before pinning).
 * @throws GatewayError NOT_FOUND (not in the set), UPSTREAM_UNAVAILABLE (not running).
 */
export function listedTools(set: UpstreamSet, name: string): readonly JsonObject[] {
  const report = set.reports().find((candidate) => candidate.name === name);
  if (report === undefined) throw new GatewayError("NOT_FOUND", `No upstream named "${name}"`);
  if (report.state.status !== "running") {
    throw new GatewayError(
      "UPSTREAM_UNAVAILABLE",
      `Cannot list upstream "${name}": ${report.state.lastError ?? "not running"}`,
    );
  }
  return set.definitions(name) ?? [];
}

/**
 * Each listed tool of `name` against its pin, and the pins themselves.
 * @throws GatewayError as {@linkcode listedTools}; raises what the repository raises.
 */
export async function reviewPins(
  set: UpstreamSet,
  repo: ToolPinRepo,
  name: string,
): Promise<{ checks: PinCheck[]; pinned: ToolPinRow[] }> {
  const listed = listedTools(set, name);
  const pinned = await repo.list(name);
  return { checks: await checkPins(listed, pinned), pinned };
}

/**
 * Pins what `name` lists now (every tool, or only `tool`); returns the tools whose pin changed.
 * @throws GatewayError as {@linkcode listedTools}, NOT_FOUND for a tool it does not list.
 */
export async function approveListed(
  set: UpstreamSet,
  repo: ToolPinRepo,
  name: string,
  options: { tool?: string; by: string },
): Promise<string[]> {
  return await approvePins(repo, name, listedTools(set, name), options);
}
