/**
 * The profile findings as markdown: CPU per call of both MCP servers side by side, by area and
 * by function, and the in-process construction cost.
 */

import type { FunctionCost } from "./cpu_profile.ts";
import type { ProfiledRun } from "./profile.ts";
import { fixed } from "./report.ts";

const AREA_ROWS = 14;
const FUNCTION_ROWS = 15;

/** Formats the Nexus and hand-written profiles, taken under the same load. */
export function formatProfiles(nexus: ProfiledRun, hand: ProfiledRun): string {
  const n = nexus.summary;
  const h = hand.summary;
  return [
    `CPU time per call from \`deno run --cpu-prof\` (200 µs sampling), ${n.calls} calls at the ` +
    "profile's concurrency; a per-call figure is the time sampled inside the load window " +
    "divided by the calls served. Profiling slows both servers alike; compare, do not add up.",
    "",
    "| | Nexus | hand-written | Nexus − hand-written |",
    "| --- | ---: | ---: | ---: |",
    `| busy CPU µs per call | ${fixed(n.busyUsPerCall, 1)} | ${fixed(h.busyUsPerCall, 1)} | ${
      fixed(n.busyUsPerCall - h.busyUsPerCall, 1)
    } |`,
    ...areaRows(nexus, hand),
    "",
    "Raw profiles (open in Chrome DevTools → Performance): " +
    `\`${nexus.profilePath}\`, \`${hand.profilePath}\`.`,
    "",
    "#### Nexus: top functions by self time (µs per call)",
    "",
    functionTable(bySelf(n.functions).slice(0, FUNCTION_ROWS)),
    "",
    "#### Nexus: gateway code (`lib/`) by inclusive time (µs per call, synchronous parts)",
    "",
    functionTable(byTotal(n.functions.filter((f) => f.area.startsWith("lib/")))),
    "",
    "#### SDK functions by inclusive time (µs per call): Nexus, then hand-written",
    "",
    functionTable(byTotal(n.functions.filter(isSdk))),
    "",
    functionTable(byTotal(h.functions.filter(isSdk))),
    "",
    "#### Per-request server construction (inclusive µs per call, from the same profiles)",
    "",
    "Both set-ups build a fresh SDK server per HTTP request (`createMcpHandler` calls the " +
    `factory each time): Nexus \`buildServer\` ${inclusive(n.functions, "buildServer")} µs, ` +
    `hand-written \`createItemsServer\` (\`new McpServer\` + \`registerTool\`) ${
      inclusive(h.functions, "createItemsServer")
    } µs.`,
  ].join("\n");
}

/** Self time per area, the first run against the second, largest first. */
export function areaRows(nexus: ProfiledRun, hand: ProfiledRun): string[] {
  const handAreas = new Map(hand.summary.areas.map((row) => [row.area, row.selfUs]));
  const nexusAreas = new Map(nexus.summary.areas.map((row) => [row.area, row.selfUs]));
  const names = [...new Set([...nexusAreas.keys(), ...handAreas.keys()])]
    .sort((a, b) =>
      Math.max(nexusAreas.get(b) ?? 0, handAreas.get(b) ?? 0) -
      Math.max(nexusAreas.get(a) ?? 0, handAreas.get(a) ?? 0)
    )
    .slice(0, AREA_ROWS);
  return names.map((area) => {
    const ours = nexusAreas.get(area) ?? 0;
    const theirs = handAreas.get(area) ?? 0;
    return `| self: ${area} | ${fixed(ours, 1)} | ${fixed(theirs, 1)} | ${
      fixed(ours - theirs, 1)
    } |`;
  });
}

/** A markdown table of function costs (the first rows). */
export function functionTable(rows: FunctionCost[]): string {
  if (rows.length === 0) return "(no samples)";
  return [
    "| function | location | self µs | total µs |",
    "| --- | --- | ---: | ---: |",
    ...rows.slice(0, FUNCTION_ROWS).map((f) =>
      `| \`${f.name}\` | ${f.location} | ${fixed(f.selfUs, 1)} | ${fixed(f.totalUs, 1)} |`
    ),
  ].join("\n");
}

function inclusive(rows: FunctionCost[], name: string): string {
  const matches = rows.filter((row) => row.name === name);
  return matches.length === 0 ? "n/a" : fixed(Math.max(...matches.map((row) => row.totalUs)), 1);
}

/** Whether a named function of the MCP SDK. */
export function isSdk(cost: FunctionCost): boolean {
  return cost.area.startsWith("npm:@modelcontextprotocol/") && cost.name !== "(anonymous)";
}

/** Largest self time first. */
export function bySelf(rows: FunctionCost[]): FunctionCost[] {
  return [...rows].sort((a, b) => b.selfUs - a.selfUs);
}

/** Largest inclusive time first. */
export function byTotal(rows: FunctionCost[]): FunctionCost[] {
  return [...rows].sort((a, b) => b.totalUs - a.totalUs);
}
