/**
 * Reading a V8 `.cpuprofile` (what `deno run --cpu-prof` writes): the busy time inside the load
 * window, self time by area (runtime extension, npm package, lib folder), and self and inclusive
 * time per function, all per call.
 */

/** The parts of a `.cpuprofile` this module reads. */
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/**
 * Finds the load window: samples inside this function only happen while a call is served, and
 * the measured part starts after the last idle gap of at least `gapMs` (the pause the driver
 * makes between warm-up and measurement), so JIT warm-up stays out of the figures.
 */
export interface WindowMarker {
  urlIncludes: string;
  /** Absent: any function of `urlIncludes` marks (a small marker function may be inlined). */
  functionName?: string;
  gapMs: number;
}

/** One function's cost per call. */
export interface FunctionCost {
  name: string;
  location: string;
  area: string;
  selfUs: number;
  totalUs: number;
}

/** A profile reduced to per-call costs inside the load window. */
export interface ProfileSummary {
  windowMs: number;
  calls: number;
  busyUsPerCall: number;
  areas: Array<{ area: string; selfUs: number }>;
  functions: FunctionCost[];
}

/** Reads and summarises a profile file; `calls` is the number of calls served in the window. */
export async function summariseProfile(
  path: string,
  options: { calls: number; marker: WindowMarker },
): Promise<ProfileSummary> {
  const profile = JSON.parse(await Deno.readTextFile(path)) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = parentsOf(profile.nodes);
  const stacks = profile.samples.map((id) => stackOf(id, byId, parent));
  const [first, last] = loadWindow(stacks, profile.timeDeltas, options.marker);
  const areas = new Map<string, number>();
  const costs = new Map<string, FunctionCost>();
  let windowUs = 0;
  let busyUs = 0;
  for (let i = first; i <= last; i++) {
    const us = profile.timeDeltas[i + 1] ?? 0;
    const stack = stacks[i] ?? [];
    const leaf = stack[0];
    windowUs += us;
    if (leaf === undefined || leaf.callFrame.functionName === "(idle)") continue;
    busyUs += us;
    const leafArea = areaOf(leaf);
    areas.set(leafArea, (areas.get(leafArea) ?? 0) + us);
    addStack(costs, stack, us);
  }
  const perCall = (us: number) => us / options.calls;
  return {
    windowMs: windowUs / 1000,
    calls: options.calls,
    busyUsPerCall: perCall(busyUs),
    areas: [...areas].map(([area, us]) => ({ area, selfUs: perCall(us) }))
      .sort((a, b) => b.selfUs - a.selfUs),
    functions: [...costs.values()].map((cost) => ({
      ...cost,
      selfUs: perCall(cost.selfUs),
      totalUs: perCall(cost.totalUs),
    })),
  };
}

/** The area a frame's code belongs to: `deno:<ext>`, `npm:<package>`, `lib/<folder>`, …. */
export function areaOf(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (url === "") {
    return functionName.startsWith("(") ? functionName : "(V8 builtins and native)";
  }
  const ext = /^ext:([^/]+)/.exec(url);
  if (ext) return `deno:${ext[1]}`;
  const npm = /registry\.npmjs\.org\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (npm) return `npm:${npm[1]}`;
  const lib = /\/lib\/([^/]+\/)?[^/]+\.ts$/.exec(url);
  if (lib) return `lib/${lib[1] ?? ""}`;
  const file = /\/([^/]+\.ts)$/.exec(url);
  return file ? file[1] ?? url : url;
}

function addStack(costs: Map<string, FunctionCost>, stack: ProfileNode[], us: number): void {
  const seen = new Set<string>();
  stack.forEach((node, depth) => {
    const key = `${node.callFrame.functionName}@${node.callFrame.url}:${node.callFrame.lineNumber}`;
    let cost = costs.get(key);
    if (cost === undefined) {
      cost = {
        name: node.callFrame.functionName || "(anonymous)",
        location: locationOf(node),
        area: areaOf(node),
        selfUs: 0,
        totalUs: 0,
      };
      costs.set(key, cost);
    }
    if (depth === 0) cost.selfUs += us;
    // Why: a recursive function appears several times in one stack; count the sample once.
    if (!seen.has(key)) cost.totalUs += us;
    seen.add(key);
  });
}

function locationOf(node: ProfileNode): string {
  const { url, lineNumber } = node.callFrame;
  if (url === "") return "native";
  const short = url.replace(/^file:\/\/.*?\/(lib|bench|main\.ts)/, "$1")
    .replace(/^.*registry\.npmjs\.org\//, "npm:");
  return `${short}:${lineNumber + 1}`;
}

function parentsOf(nodes: ProfileNode[]): Map<number, number> {
  const parent = new Map<number, number>();
  for (const node of nodes) {
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  return parent;
}

/** The stack of a sample, leaf first, without the synthetic root. */
function stackOf(
  id: number,
  byId: Map<number, ProfileNode>,
  parent: Map<number, number>,
): ProfileNode[] {
  const stack: ProfileNode[] = [];
  let current: number | undefined = id;
  while (current !== undefined) {
    const node = byId.get(current);
    if (node === undefined || node.callFrame.functionName === "(root)") break;
    stack.push(node);
    current = parent.get(current);
  }
  return stack;
}

/**
 * Busy time a pause between warm-up and load may hold and still count as the idle gap. Why 20 ms:
 * with 2 ms the federation profile failed now and then (64 2025 sessions' keep-alives and the audit
 * flush land in the pause); under load 20 ms of busy time pass within about a hundred calls.
 */
const GAP_BUSY_ALLOWANCE_US = 20_000;

function loadWindow(
  stacks: ProfileNode[][],
  timeDeltas: number[],
  marker: WindowMarker,
): [number, number] {
  const marks = (stack: ProfileNode[] | undefined) =>
    stack?.some((node) =>
      (marker.functionName === undefined || node.callFrame.functionName === marker.functionName) &&
      node.callFrame.url.includes(marker.urlIncludes)
    ) ?? false;
  const first = stacks.findIndex(marks);
  const last = stacks.findLastIndex(marks);
  if (first < 0) throw new Error(`No sample inside ${marker.functionName} (${marker.urlIncludes})`);
  // Why a little work allowed inside a gap: a server's own timers (the audit flush, the connection
  // sweep) run during the driver's pause too; under load the busy time passes the allowance at once.
  let idleUs = 0;
  let busyUs = 0;
  let gapEnd = -1;
  for (let i = first; i <= last; i++) {
    const delta = timeDeltas[i + 1] ?? 0;
    if (stacks[i]?.[0]?.callFrame.functionName === "(idle)") idleUs += delta;
    else if ((busyUs += delta) > GAP_BUSY_ALLOWANCE_US) idleUs = busyUs = 0;
    if (idleUs >= marker.gapMs * 1000) gapEnd = i;
  }
  if (gapEnd < 0) throw new Error(`No idle gap of ${marker.gapMs} ms between warm-up and load`);
  let start = gapEnd;
  while (start <= last && !marks(stacks[start])) start++;
  return [start, last];
}
